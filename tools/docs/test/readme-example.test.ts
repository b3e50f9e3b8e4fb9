/**
 * The README's "bring your own core" example is compiled against the real function code, so it
 * cannot drift from the API: its TypeScript block is type-checked as if it were a file in the
 * folder its comment names (its relative imports resolve against the real sources), with the
 * project's own compiler options. Nothing is written to disk.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

/** The first ```ts block of a Markdown section, and the folder its first-line comment names. */
function exampleIn(markdown: string, heading: string): { folder: string; code: string } {
  const section = markdown.split(/^## /m).find((part) => part.startsWith(heading)) ?? "";
  const code = /^```ts\n([\s\S]*?)^```/m.exec(section)?.[1] ?? "";
  const folder = /^\/\/ (\S+\/)/.exec(code)?.[1] ?? "";
  return { folder, code };
}

let previousProgram: ts.Program | undefined;

function typeErrorsOf(fileName: string, code: string): string[] {
  const configPath = join(root, "tsconfig.json");
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    resolve(name) === fileName
      ? ts.createSourceFile(name, code, languageVersion, true)
      : readSource(name, languageVersion, ...rest);
  const baseFileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === fileName || baseFileExists(name);
  // Reusing the previous program spares re-reading the libraries and the unchanged sources.
  const program = ts.createProgram([fileName], { ...options, noEmit: true }, host, previousProgram);
  previousProgram = program;
  const example = program.getSourceFile(fileName);
  return [
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(example),
    ...program.getSemanticDiagnostics(example),
  ].map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"));
}

describe("the README's bring-your-own-core example", () => {
  const { folder, code } = exampleIn(
    readFileSync(join(root, "README.md"), "utf8"),
    "Bring your own core",
  );

  it("is a TypeScript block that says which folder it belongs in", () => {
    expect(code).toContain("Core");
    expect(folder).toMatch(/^function\//);
  });

  it("compiles against the real core API", () => {
    const errors = typeErrorsOf(join(root, folder, "readme-example.ts"), code);
    expect(errors).toEqual([]);
  });

  it("fails the check when the example does not fit the API", () => {
    const broken = code.replace("context.signal", "context.deadlineSignal");
    expect(broken).not.toBe(code);
    expect(typeErrorsOf(join(root, folder, "readme-example.ts"), broken)).not.toEqual([]);
  });
});
