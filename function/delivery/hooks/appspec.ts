/**
 * Reads the Lambda AppSpec of a deployment (JSON or YAML, as CodeDeploy accepts both) to find
 * which function, alias and versions the deployment moves traffic between.
 */
import { parse as parseYaml } from "yaml";

export interface AppSpecTarget {
  readonly functionName: string;
  readonly alias: string;
  readonly currentVersion: string;
  readonly targetVersion: string;
}

/** An AppSpec the hooks cannot use; the message names the field. */
export class AppSpecError extends Error {
  override readonly name = "AppSpecError";
}

/**
 * The one `AWS::Lambda::Function` resource of an AppSpec.
 *
 * @example parseAppSpecTarget('{"version":0.0,"Resources":[{"api":{"Type":"AWS::Lambda::Function","Properties":{"Name":"fn","Alias":"live","CurrentVersion":"1","TargetVersion":"2"}}}]}')
 */
export function parseAppSpecTarget(content: string): AppSpecTarget {
  const document = parseDocument(content);
  const resources = document.Resources ?? document.resources;
  if (!Array.isArray(resources) || resources.length !== 1) {
    throw new AppSpecError("AppSpec Resources must list exactly one Lambda function");
  }
  const entry: unknown = resources[0];
  const definitions = isRecord(entry) ? Object.values(entry) : [];
  const definition = definitions[0];
  if (definitions.length !== 1 || !isRecord(definition)) {
    throw new AppSpecError("AppSpec Resources[0] must map one logical name to a resource");
  }
  if (definition.Type !== "AWS::Lambda::Function") {
    throw new AppSpecError("AppSpec Resources[0].Type must be AWS::Lambda::Function");
  }
  const properties = definition.Properties;
  if (!isRecord(properties)) {
    throw new AppSpecError("AppSpec Resources[0].Properties must be an object");
  }
  return {
    functionName: requiredText(properties, "Name"),
    alias: requiredText(properties, "Alias"),
    currentVersion: requiredVersion(properties, "CurrentVersion"),
    targetVersion: requiredVersion(properties, "TargetVersion"),
  };
}

function parseDocument(content: string): Record<string, unknown> {
  let document: unknown;
  try {
    // YAML 1.2 is a superset of JSON, so one parser reads both forms.
    document = parseYaml(content);
  } catch (error) {
    // The parser's message may quote the content; keep its first line, and never stringify a
    // non-Error (its conversion could throw).
    const reason =
      error instanceof Error && typeof error.message === "string"
        ? error.message.split("\n")[0]
        : "the parser failed";
    throw new AppSpecError(`AppSpec content is neither JSON nor YAML: ${reason}`);
  }
  if (!isRecord(document)) throw new AppSpecError("AppSpec content must be an object");
  return document;
}

function requiredText(properties: Record<string, unknown>, field: string): string {
  const value = properties[field];
  if (typeof value !== "string" || value.trim().length === 0) {
    throw new AppSpecError(`AppSpec Resources[0].Properties.${field} must be a non-empty string`);
  }
  return value;
}

function requiredVersion(properties: Record<string, unknown>, field: string): string {
  const value = properties[field];
  // YAML reads an unquoted `7` as a number; a version is still the text "7".
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^[1-9]\d*$/.test(text)) {
    throw new AppSpecError(
      `AppSpec Resources[0].Properties.${field} must be a published version number`,
    );
  }
  return text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
