/**
 * The AppSpec of a Lambda deployment: which function and alias, from which version to which,
 * and the hooks CodeDeploy runs before and after it allows traffic. The pre-traffic hook reads it
 * back (function/delivery/hooks/appspec.ts) to find the version to smoke-test.
 */

export interface AppSpecInput {
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
  readonly preTrafficHook: string;
  readonly postTrafficHook: string;
}

/**
 * The AppSpec as JSON text (CodeDeploy accepts JSON or YAML for `AppSpecContent`).
 *
 * @example buildAppSpec({ functionName: "fn", alias: "live", currentVersion: "7", targetVersion: "8", preTrafficHook: "fn-pre-traffic", postTrafficHook: "fn-post-traffic" })
 */
export function buildAppSpec(input: AppSpecInput): string {
  const document = {
    Resources: [
      {
        // The logical name is free text; the function's name keeps console views readable.
        [input.functionName]: {
          Type: "AWS::Lambda::Function",
          Properties: {
            Name: input.functionName,
            Alias: input.alias,
            CurrentVersion: input.currentVersion,
            TargetVersion: input.targetVersion,
          },
        },
      },
    ],
    Hooks: [
      { BeforeAllowTraffic: input.preTrafficHook },
      { AfterAllowTraffic: input.postTrafficHook },
    ],
  };
  // AppSpec's `version: 0.0` is a literal; JSON.stringify would print the number as `0`.
  return `{"version":0.0,${JSON.stringify(document).slice(1)}`;
}
