/** The key under which the vitest global setup provides the run's offline plan cache directory. */
export const OFFLINE_PLAN_DIRECTORY_KEY = "offlinePlanDirectory";

declare module "vitest" {
  export interface ProvidedContext {
    [OFFLINE_PLAN_DIRECTORY_KEY]: string;
  }
}
