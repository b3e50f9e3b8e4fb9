import type { StageName } from "../../config";

/** Stages that serve someone other than the developer: the rules ALC007 and ALC008 apply. */
export const STRICT_STAGES: readonly StageName[] = ["test", "prod"];

export function isStrictStage(stage: StageName | undefined): boolean {
  return stage !== undefined && STRICT_STAGES.includes(stage);
}
