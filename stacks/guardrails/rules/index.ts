/**
 * The rule table: every guardrail, in id order. docs/guardrails.md documents the same table.
 */
import type { GuardrailRule } from "../rule";
import { snsTopicKms } from "./alc001-sns-topic-kms";
import { logGroupRetention } from "./alc002-log-retention";
import { ecrRepositoryImmutable } from "./alc003-ecr-repository";
import { iamLeastPrivilege } from "./alc004-iam-least-privilege";
import { functionUrlOnAlias } from "./alc005-function-url";
import { alarmHasAction } from "./alc006-alarm-actions";
import { deploymentRollsBackOnAlarm } from "./alc007-deployment-rollback";
import { serviceReservedConcurrency } from "./alc008-reserved-concurrency";
import { prodLogRetention } from "./alc009-prod-log-retention";
import { requiredTags } from "./alc010-required-tags";
import { providerPinsAccount } from "./alc011-allowed-account-ids";
import { noAnonymousPrincipal } from "./alc012-principal-star";
import { noCiRoleInStageStack } from "./alc013-no-ci-role-in-stage-stack";

export const RULES: readonly GuardrailRule[] = [
  snsTopicKms,
  logGroupRetention,
  ecrRepositoryImmutable,
  iamLeastPrivilege,
  functionUrlOnAlias,
  alarmHasAction,
  deploymentRollsBackOnAlarm,
  serviceReservedConcurrency,
  prodLogRetention,
  requiredTags,
  providerPinsAccount,
  noAnonymousPrincipal,
  noCiRoleInStageStack,
];
