/**
 * Read-only, never-throwing access to a command input. Inputs come straight from application code:
 * they may hold getters that throw, proxies, streams, circular references or unexpected types, so
 * every read is guarded and nothing is ever walked recursively.
 * @internal
 */
export class InputView {
  readonly #input: Record<string, unknown> | undefined;
  #lower: Map<string, string> | undefined;
  #arns: string[] | undefined;

  constructor(input: unknown) {
    this.#input = isRecord(input) ? input : undefined;
  }

  /** A top-level member by exact name. */
  get(name: string): unknown {
    return read(this.#input, name);
  }

  /** A top-level member by name, ignoring case (ECR and ECS use camelCase members). */
  getAnyCase(lowerName: string): unknown {
    const input = this.#input;
    if (!input) return undefined;
    const key = this.lowerNames().get(lowerName);
    return key === undefined ? undefined : read(input, key);
  }

  /** Lower-case member names and the names as given (the last one given wins a tie). */
  lowerNames(): ReadonlyMap<string, string> {
    if (!this.#lower) {
      const map = new Map<string, string>();
      if (this.#input) for (const key of safeKeys(this.#input)) map.set(key.toLowerCase(), key);
      this.#lower = map;
    }
    return this.#lower;
  }

  /** A top-level member as a non-empty string (numbers are converted). */
  string(name: string): string | undefined {
    return asString(this.get(name));
  }

  /** Every top-level string member that is an ARN. */
  arns(): readonly string[] {
    if (this.#arns) return this.#arns;
    const found: string[] = [];
    const input = this.#input;
    if (input) {
      for (const key of safeKeys(input)) {
        const value = read(input, key);
        if (typeof value === "string" && value.startsWith("arn:")) found.push(value);
      }
    }
    this.#arns = found;
    return found;
  }
}

/** True for plain objects and class instances, false for arrays, buffers and primitives. @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !ArrayBuffer.isView(value)
  );
}

/** A property read that never throws. @internal */
export function read(target: unknown, key: string): unknown {
  if (!isRecord(target)) return undefined;
  try {
    return target[key];
  } catch {
    return undefined;
  }
}

/** A non-empty string for strings and finite numbers, otherwise undefined. @internal */
export function asString(value: unknown): string | undefined {
  if (typeof value === "string") return value.length > 0 ? value : undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return String(value);
  return undefined;
}

/** The non-empty strings of an array (at most `limit`), or undefined when it is not an array. @internal */
export function asStrings(value: unknown, limit = 1000): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < value.length && out.length < limit; i++) {
    const s = asString(value[i]);
    if (s !== undefined) out.push(s);
  }
  return out;
}

/** Array elements, guarded: at most `limit`, and an empty list for anything else. @internal */
export function items(value: unknown, limit = 1000): unknown[] {
  if (!Array.isArray(value)) return [];
  return value.length > limit ? value.slice(0, limit) : value;
}

/** Own enumerable keys, or none when the object refuses to list them. @internal */
export function safeKeys(value: object): string[] {
  try {
    return Object.keys(value);
  } catch {
    return [];
  }
}
