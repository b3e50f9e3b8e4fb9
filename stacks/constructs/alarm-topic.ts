import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Construct } from "constructs";
import { type CiRoleArns, ciKeyPolicyStatements } from "./ci-roles";
import { accountRootArn, policyDocument } from "./policy-document";

export interface AlarmTopicProps {
  readonly topicName: string;
  /** The account that owns the topic: only CloudWatch alarms of this account may publish. */
  readonly accountId: string;
  readonly region: string;
  /**
   * Addresses subscribed by e-mail (each must confirm the subscription from its inbox).
   * @default no subscription
   */
  readonly emails?: readonly string[];
  /**
   * The stage's CI roles: the key policy names them, so the plan role reads the key and the deploy
   * role manages and uses it from the first call after CreateKey, with no tag condition to wait
   * for. They must exist before the key (the bootstrap stack creates them).
   * @default none: only the account's IAM policies (through the account statement)
   */
  readonly ciRoles?: CiRoleArns;
  /** @default 30 (the longest waiting period, so a mistaken destroy can be cancelled) */
  readonly keyDeletionWindowDays?: number;
}

/**
 * The SNS topic alarms notify, encrypted with a customer managed KMS key.
 *
 * The AWS managed key `alias/aws/sns` does NOT work here: its key policy cannot be changed, does
 * not let CloudWatch use it, so every alarm action on a topic encrypted with it fails (visible only
 * in the alarm history: nobody is notified). Hence a customer key whose policy lets
 * `cloudwatch.amazonaws.com` encrypt.
 */
export class AlarmTopic extends Construct {
  readonly key: KmsKey;
  readonly topic: SnsTopic;
  readonly subscriptions: readonly SnsTopicSubscription[];

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const accountRoot = accountRootArn(props.accountId);

    this.key = new KmsKey(this, "key", {
      description: `Encrypts the ${props.topicName} SNS topic`,
      enableKeyRotation: true,
      deletionWindowInDays: props.keyDeletionWindowDays ?? 30,
      policy: policyDocument([
        {
          // Without this statement nobody, not even the account's administrators, could manage
          // the key: the key policy is the root of KMS permissions, and an IAM policy can only
          // grant what it allows. The CI roles get theirs below, by name. The list replaces AWS's
          // default "kms:*" (guardrail ALC004);
          // kms:PutKeyPolicy must stay, or AWS's lockout safety check refuses the policy.
          // Left out: grants, signing/MAC, imported key material, replication.
          Sid: "AccountAdministersKey",
          Effect: "Allow",
          Principal: { AWS: accountRoot },
          Action: [
            "kms:DescribeKey",
            "kms:Get*",
            "kms:List*",
            "kms:PutKeyPolicy",
            "kms:Enable*",
            "kms:Disable*",
            "kms:Update*",
            "kms:RotateKeyOnDemand",
            "kms:CreateAlias",
            "kms:DeleteAlias",
            "kms:TagResource",
            "kms:UntagResource",
            "kms:ScheduleKeyDeletion",
            "kms:CancelKeyDeletion",
            // Publishing to the encrypted topic (SNS uses the key with the publisher's rights).
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
          ],
          // In a key policy "*" means "this key": it cannot name any other.
          Resource: "*",
        },
        ...(props.ciRoles ? ciKeyPolicyStatements(props.ciRoles) : []),
        {
          Sid: "CloudWatchAlarmsEncryptNotifications",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
        },
      ]),
    });
    new KmsAlias(this, "key-alias", {
      name: `alias/${props.topicName}`,
      targetKeyId: this.key.keyId,
    });

    this.topic = new SnsTopic(this, "topic", {
      name: props.topicName,
      kmsMasterKeyId: this.key.arn,
    });

    const topicArn = `arn:aws:sns:${props.region}:${props.accountId}:${props.topicName}`;
    new SnsTopicPolicy(this, "topic-policy", {
      arn: this.topic.arn,
      policy: policyDocument([
        {
          Sid: "OwnerManagesTopic",
          Effect: "Allow",
          Principal: { AWS: accountRoot },
          // Management only: sns:Publish is deliberately not granted to the account here.
          Action: [
            "sns:GetTopicAttributes",
            "sns:SetTopicAttributes",
            "sns:AddPermission",
            "sns:RemovePermission",
            "sns:DeleteTopic",
            "sns:Subscribe",
            "sns:ListSubscriptionsByTopic",
          ],
          Resource: topicArn,
        },
        {
          Sid: "CloudWatchAlarmsOfThisAccountPublish",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: topicArn,
          // Only alarms of this account, not CloudWatch acting for someone else.
          Condition: {
            StringEquals: { "aws:SourceAccount": props.accountId },
            ArnLike: {
              "aws:SourceArn": `arn:aws:cloudwatch:${props.region}:${props.accountId}:alarm:*`,
            },
          },
        },
      ]),
    });

    this.subscriptions = (props.emails ?? []).map(
      (email, index) =>
        new SnsTopicSubscription(this, `email-${index}`, {
          topicArn: this.topic.arn,
          protocol: "email",
          endpoint: email,
        }),
    );
  }
}
