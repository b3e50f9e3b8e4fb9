/**
 * The pure IAM policy analysis behind ALC004 and ALC012: normalisation of both policy shapes and
 * the checks themselves, without CDKTF.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isServiceWideAction,
  type NormalizedStatement,
  permissionPolicyProblems,
  principalPolicyProblems,
  resourcePolicyActionProblems,
  statementsFromPolicyDocumentBlocks,
  statementsFromPolicyJson,
  UnreadablePolicyError,
  unknownActionProblems,
} from "../guardrails/iam-policy";

function makeStatement(overrides: Partial<NormalizedStatement> = {}): NormalizedStatement {
  return {
    sid: undefined,
    effect: "Allow",
    actions: ["s3:GetObject"],
    notActions: [],
    resources: ["arn:aws:s3:::bucket/*"],
    notResources: [],
    principals: [],
    notPrincipals: [],
    conditionKeys: [],
    ...overrides,
  };
}

describe("statementsFromPolicyJson", () => {
  it("turns single values into lists, '*' principals into AWS '*', condition keys to lower case", () => {
    const [statement] = statementsFromPolicyJson({
      Version: "2012-10-17",
      Statement: {
        Sid: "One",
        Effect: "Allow",
        Principal: "*",
        Action: "sns:Publish",
        Resource: "arn:aws:sns:eu-west-1:222222222222:t",
        Condition: { StringEquals: { "aws:SourceAccount": "222222222222" } },
      },
    });

    expect(statement).toEqual(
      makeStatement({
        sid: "One",
        actions: ["sns:Publish"],
        resources: ["arn:aws:sns:eu-west-1:222222222222:t"],
        principals: [{ type: "AWS", identifiers: ["*"] }],
        conditionKeys: ["aws:sourceaccount"],
      }),
    );
  });

  it.each([
    ["not an object", "[]", "the policy is not a JSON object"],
    ["an Effect that is neither Allow nor Deny", { Statement: [{ Effect: "allow" }] }, "Effect"],
    ["an Action that is a number", { Statement: [{ Effect: "Allow", Action: 3 }] }, "Action"],
  ])("rejects a policy with %s, naming the field", (_, policy, field) => {
    expect(() => statementsFromPolicyJson(policy)).toThrow(UnreadablePolicyError);
    expect(() => statementsFromPolicyJson(policy)).toThrow(field);
  });
});

describe("statementsFromPolicyDocumentBlocks", () => {
  it("reads aws_iam_policy_document blocks, with Allow as the default effect", () => {
    const statements = statementsFromPolicyDocumentBlocks({
      statement: [
        {
          actions: ["cloudwatch:PutMetricData"],
          resources: ["*"],
          condition: [
            { test: "StringEquals", variable: "cloudwatch:namespace", values: ["Project/DORA"] },
          ],
        },
        {
          effect: "Deny",
          not_actions: ["iam:*"],
          principals: [{ type: "AWS", identifiers: ["*"] }],
        },
      ],
    });

    expect(statements).toEqual([
      makeStatement({
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        conditionKeys: ["cloudwatch:namespace"],
      }),
      makeStatement({
        effect: "Deny",
        actions: [],
        notActions: ["iam:*"],
        resources: [],
        principals: [{ type: "AWS", identifiers: ["*"] }],
      }),
    ]);
  });
});

describe("isServiceWideAction", () => {
  it.each(["*", "s3:*", "*:GetObject", "iam*:List"])("treats %s as service-wide", (action) => {
    expect(isServiceWideAction(action)).toBe(true);
  });

  it.each(["s3:GetObject", "s3:Get*", "logs:Create*", "sts:AssumeRole"])(
    "treats %s as scoped",
    (action) => {
      expect(isServiceWideAction(action)).toBe(false);
    },
  );

  it("flags every Allow of '<service>:*', whatever the resources", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
        fc.array(fc.constantFrom("*", "arn:aws:s3:::b", "arn:aws:sns:eu-west-1:1:t"), {
          minLength: 1,
        }),
        (service, resources) => {
          const problems = permissionPolicyProblems([
            makeStatement({ actions: [`${service}:*`], resources }),
          ]);
          return problems.some((problem) => problem.includes(`"${service}:*"`));
        },
      ),
    );
  });
});

describe("unknownActionProblems", () => {
  it("names an action that does not exist, in an Allow or a Deny", () => {
    const statements = [
      makeStatement({ actions: ["lambda:GetFuntion"], resources: ["*"] }),
      {
        ...makeStatement({ actions: ["iam:DeleteRolePermissionBoundary"], resources: ["*"] }),
        effect: "Deny" as const,
      },
      makeStatement({ actions: ["nosuchservice:DoIt"], resources: ["*"] }),
    ];

    expect(unknownActionProblems(statements)).toEqual([
      expect.stringContaining('"lambda:GetFuntion", which no AWS action matches'),
      expect.stringContaining('"iam:DeleteRolePermissionBoundary", which no AWS action matches'),
      expect.stringContaining('"nosuchservice:DoIt", which no AWS action matches'),
    ]);
  });

  it("accepts existing actions in any case, and patterns that match one", () => {
    const statement = makeStatement({
      actions: ["LAMBDA:getfunction", "kms:Get*", "kms:GenerateDataKey*", "s3:*"],
      resources: ["*"],
    });

    expect(unknownActionProblems([statement])).toEqual([]);
  });
});

describe("permissionPolicyProblems", () => {
  it('accepts on "*" the actions AWS authorises without a resource, with the conditions decided', () => {
    const statements = [
      "ecr:GetAuthorizationToken",
      "xray:PutTraceSegments",
      "sts:GetCallerIdentity",
      "logs:DescribeLogGroups",
      "codedeploy:StopDeployment",
    ].map((action) => makeStatement({ actions: [action], resources: ["*"] }));
    statements.push(
      makeStatement({
        actions: ["kms:CreateKey"],
        resources: ["*"],
        conditionKeys: ["aws:requesttag/stage"],
      }),
      makeStatement({
        actions: ["cloudwatch:PutMetricData"],
        resources: ["*"],
        conditionKeys: ["cloudwatch:namespace"],
      }),
    );

    expect(permissionPolicyProblems(statements)).toEqual([]);
  });

  it('refuses on "*" an action AWS authorises on a resource, as the reference data says', () => {
    // s3:GetObject lists two optional resource types (object, access point object): not "*".
    const statement = makeStatement({
      actions: ["lambda:GetFunction", "s3:GetObject"],
      resources: ["*"],
    });

    expect(permissionPolicyProblems([statement])).toEqual([
      expect.stringContaining('"lambda:GetFunction", "s3:GetObject" on Resource "*"'),
    ]);
  });

  it("compares actions case-insensitively, as IAM does", () => {
    const statement = makeStatement({ actions: ["ECR:getAuthorizationToken"], resources: ["*"] });

    expect(permissionPolicyProblems([statement])).toEqual([]);
  });

  it('refuses kms:CreateKey on "*" without a request-tag condition', () => {
    const statement = makeStatement({ actions: ["kms:CreateKey"], resources: ["*"] });

    expect(permissionPolicyProblems([statement])).toEqual([
      expect.stringContaining('"kms:CreateKey" on Resource "*"'),
    ]);
  });

  it("names only the actions that may not use Resource '*' in a mixed statement", () => {
    const statement = makeStatement({
      sid: "Mixed",
      actions: ["xray:PutTraceSegments", "lambda:InvokeFunction"],
      resources: ["*"],
    });

    expect(permissionPolicyProblems([statement])).toEqual([
      'statement "Mixed" allows "lambda:InvokeFunction" on Resource "*" (AWS authorises it on a resource, or the statement lacks the condition it needs)',
    ]);
  });

  it("refuses NotResource with Allow", () => {
    const statement = makeStatement({ resources: [], notResources: ["arn:aws:s3:::secret"] });

    expect(permissionPolicyProblems([statement])).toEqual([
      "statement 1 uses NotResource with Allow (grants every other resource)",
    ]);
  });
});

describe("resourcePolicyActionProblems", () => {
  it('refuses "kms:*" and NotAction in Allow statements of a resource policy', () => {
    const problems = resourcePolicyActionProblems([
      makeStatement({ sid: "Root", actions: ["kms:*"], resources: ["*"] }),
      makeStatement({ actions: [], notActions: ["kms:ScheduleKeyDeletion"], resources: ["*"] }),
    ]);

    expect(problems).toEqual([
      'statement "Root" allows "kms:*"',
      "statement 2 uses NotAction with Allow (grants every other action)",
    ]);
  });

  it('accepts Resource "*" (the resource itself) with named actions, and Deny wildcards', () => {
    const problems = resourcePolicyActionProblems([
      makeStatement({ actions: ["kms:Decrypt", "kms:GenerateDataKey*"], resources: ["*"] }),
      makeStatement({ effect: "Deny", actions: ["s3:*"], resources: ["*"] }),
    ]);

    expect(problems).toEqual([]);
  });
});

describe("principalPolicyProblems", () => {
  it('refuses Principal "*" without a condition and NotPrincipal with Allow', () => {
    const problems = principalPolicyProblems([
      makeStatement({ principals: [{ type: "AWS", identifiers: ["*"] }] }),
      makeStatement({ notPrincipals: [{ type: "AWS", identifiers: ["arn:aws:iam::1:root"] }] }),
    ]);

    expect(problems).toEqual([
      'statement 1 allows Principal "*" without a condition',
      "statement 2 uses NotPrincipal with Allow (trusts everyone else)",
    ]);
  });

  it("accepts named principals, conditioned '*' and Deny statements", () => {
    const problems = principalPolicyProblems([
      makeStatement({ principals: [{ type: "Service", identifiers: ["lambda.amazonaws.com"] }] }),
      makeStatement({
        principals: [{ type: "AWS", identifiers: ["*"] }],
        conditionKeys: ["aws:sourcearn"],
      }),
      makeStatement({ effect: "Deny", principals: [{ type: "AWS", identifiers: ["*"] }] }),
    ]);

    expect(problems).toEqual([]);
  });
});
