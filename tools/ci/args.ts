/** Minimal `--name value` option parsing for the CI scripts; errors name the option. */
export class ArgumentError extends Error {
  override readonly name = "ArgumentError";
}

export function parseOptions(
  argv: readonly string[],
  known: readonly string[],
): Record<string, string> {
  const options: Record<string, string> = {};
  for (let index = 0; index < argv.length; index += 2) {
    const flag = argv[index] as string;
    const name = flag.replace(/^--/, "");
    if (!flag.startsWith("--") || !known.includes(name)) {
      throw new ArgumentError(
        `unknown argument ${flag}; expected ${known.map((k) => `--${k}`).join(", ")}`,
      );
    }
    const value = argv[index + 1];
    if (value === undefined || value.startsWith("--")) {
      throw new ArgumentError(`--${name} needs a value`);
    }
    options[name] = value;
  }
  return options;
}

export function required(options: Readonly<Record<string, string>>, name: string): string {
  const value = options[name];
  if (value === undefined || value.trim() === "") throw new ArgumentError(`--${name} is required`);
  return value;
}

export function positiveSeconds(
  options: Readonly<Record<string, string>>,
  name: string,
  fallback: number,
): number {
  const raw = options[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ArgumentError(`--${name} must be a positive number of seconds, got "${raw}"`);
  }
  return value;
}
