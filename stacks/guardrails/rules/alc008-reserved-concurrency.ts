import { isExpression } from "../attributes";
import type { GuardrailRule } from "../rule";
import { isStrictStage } from "./strict-stages";

/** ALC008: in test and prod the service cannot starve the account, nor be starved by it. */
export const serviceReservedConcurrency: GuardrailRule = {
  id: "ALC008",
  title: "In test and prod, the function behind a Function URL has reserved concurrency",
  why:
    "Reserved concurrency caps a runaway stage (it cannot take the account's whole pool) and " +
    "guarantees the service its share; v2 hit the account's default limit at 150-180 users.",
  fix: "set function.reservedConcurrency in the stage config (reservedConcurrentExecutions >= 1)",
  appliesTo: (element, context) =>
    isStrictStage(context.stage) &&
    element.kind === "resource" &&
    element.type === "aws_lambda_function",
  check: (element, context) => {
    const served =
      context.stack.functionsServedByUrl.has(element.name) ||
      (typeof element.attributes.function_name === "string" &&
        context.stack.functionNamesServedByUrl.has(element.attributes.function_name));
    // Hook and recorder functions serve no users; only the URL-served function needs a reserve.
    if (!served) return [];
    const reserved = element.attributes.reserved_concurrent_executions;
    if (isExpression(reserved)) return [];
    if (typeof reserved !== "number" || reserved < 1) {
      return [
        reserved === undefined
          ? "reserved_concurrent_executions is not set: the function shares the unreserved pool"
          : `reserved_concurrent_executions is ${JSON.stringify(reserved)}, not at least 1`,
      ];
    }
    return [];
  },
};
