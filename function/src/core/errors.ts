/**
 * Base of every error that maps to a specific HTTP status. Its `message` is written for the
 * client and ends up in the response body, so it must never carry internal details.
 * Anything thrown that is not a `ServiceError` is answered with a generic 500.
 */
export abstract class ServiceError extends Error {
  abstract readonly statusCode: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The payload breaks a rule: `field` names the offending field, `message` the rule. */
export class ValidationError extends ServiceError {
  readonly statusCode = 422;

  constructor(
    readonly field: string,
    rule: string,
  ) {
    super(rule);
  }
}
