/** A position in a text file, 1-based. @internal */
export interface TextPosition {
  line: number;
  column: number;
}

/** A JSON syntax error with its position. @internal */
export class JsonSyntaxError extends Error {
  override readonly name = "JsonSyntaxError" as const;
  readonly position: TextPosition;

  constructor(message: string, position: TextPosition) {
    super(`${message} at line ${position.line}, column ${position.column}`);
    this.position = position;
  }
}

/** A parsed JSON document with the position of every value, keyed by its path. @internal */
export interface LocatedJson {
  value: unknown;
  /** Paths are keys and indexes joined by `/`, for example `Statement/2/Condition`. */
  positions: Map<string, TextPosition>;
}

/**
 * Parses JSON and records where each value starts, so a problem the engine reports at
 * "statement 2, Condition.StringEqualz" can be annotated at its line. `JSON.parse` gives
 * neither positions of values nor, on every Node version, the position of a syntax error.
 * @internal
 */
export function parseLocatedJson(text: string): LocatedJson {
  const positions = new Map<string, TextPosition>();
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): TextPosition => ({ line, column: i - lineStart + 1 });
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, here());
  };
  const skipWhitespace = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        line += 1;
        lineStart = i + 1;
      } else if (c !== 32 && c !== 9 && c !== 13 && c !== 0xfeff) break;
      i += 1;
    }
  };
  const parseString = (): string => {
    const start = i;
    i += 1;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i += 1;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === "\\") i += 2;
      else if (c === "\n") fail("unterminated string");
      else i += 1;
    }
    return fail("unterminated string");
  };
  const parseValue = (path: string): unknown => {
    skipWhitespace();
    positions.set(path, here());
    const c = text[i];
    if (c === "{") {
      i += 1;
      const object: Record<string, unknown> = {};
      skipWhitespace();
      if (text[i] === "}") {
        i += 1;
        return object;
      }
      for (;;) {
        skipWhitespace();
        if (text[i] !== '"') fail(`expected a property name, found ${describe(text[i])}`);
        const key = parseString();
        skipWhitespace();
        if (text[i] !== ":") fail(`expected ":" after "${key}", found ${describe(text[i])}`);
        i += 1;
        object[key] = parseValue(path ? `${path}/${key}` : key);
        skipWhitespace();
        if (text[i] === ",") {
          i += 1;
          continue;
        }
        if (text[i] === "}") {
          i += 1;
          return object;
        }
        fail(`expected "," or "}", found ${describe(text[i])}`);
      }
    }
    if (c === "[") {
      i += 1;
      const array: unknown[] = [];
      skipWhitespace();
      if (text[i] === "]") {
        i += 1;
        return array;
      }
      for (;;) {
        array.push(parseValue(path ? `${path}/${array.length}` : String(array.length)));
        skipWhitespace();
        if (text[i] === ",") {
          i += 1;
          continue;
        }
        if (text[i] === "]") {
          i += 1;
          return array;
        }
        fail(`expected "," or "]", found ${describe(text[i])}`);
      }
    }
    if (c === '"') return parseString();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(
      text.slice(i, i + 64),
    );
    if (!literal) return fail(`unexpected ${describe(c)}`);
    i += literal[0].length;
    return JSON.parse(literal[0]) as unknown;
  };
  const value = parseValue("");
  skipWhitespace();
  if (i < text.length) fail(`unexpected ${describe(text[i])} after the document`);
  return { value, positions };
}

function describe(c: string | undefined): string {
  return c === undefined ? "end of file" : JSON.stringify(c);
}

/**
 * Line of the most specific located path: `Statement/2/Condition/StringEqualz` falls back to
 * `Statement/2/Condition`, then `Statement/2`, and so on.
 * @internal
 */
export function lineOf(
  located: LocatedJson,
  path: ReadonlyArray<string | number>,
): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const position = located.positions.get(path.slice(0, n).join("/"));
    if (position) return position.line;
  }
  return undefined;
}
