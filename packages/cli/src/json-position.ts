/**
 * Line numbers inside JSON text, so an error can say `orders.json:14` and not only
 * "statement 2". A small scanner rather than a full parser: the text has already been
 * parsed by `JSON.parse`, so it is known to be valid.
 * @internal
 */
export function lineOfPath(text: string, path: ReadonlyArray<string | number>): number | undefined {
  let pos = 0;
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos]!)) pos++;
  };
  const readString = (): string => {
    const start = pos;
    pos++;
    while (pos < text.length && text[pos] !== '"') pos += text[pos] === "\\" ? 2 : 1;
    pos++;
    return JSON.parse(text.slice(start, pos)) as string;
  };
  const skipValue = (): void => {
    ws();
    const c = text[pos];
    if (c === '"') return void readString();
    if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      pos++;
      ws();
      while (text[pos] !== close && pos < text.length) {
        if (c === "{") {
          readString();
          ws();
          pos++; // colon
        }
        skipValue();
        ws();
        if (text[pos] === ",") pos++;
        ws();
      }
      pos++;
      return;
    }
    while (pos < text.length && !/[\s,}\]]/.test(text[pos]!)) pos++;
  };
  // Descends one step of the path; false when the step is not there.
  const descend = (step: string | number): boolean => {
    ws();
    const c = text[pos];
    if (c === "{" && typeof step === "string") {
      pos++;
      ws();
      while (text[pos] === '"') {
        const key = readString();
        ws();
        pos++;
        ws();
        if (key === step) return true;
        skipValue();
        ws();
        if (text[pos] === ",") pos++;
        ws();
      }
      return false;
    }
    if (c === "[" && typeof step === "number") {
      pos++;
      for (let i = 0; i < step; i++) {
        ws();
        if (text[pos] === "]") return false;
        skipValue();
        ws();
        if (text[pos] === ",") pos++;
      }
      ws();
      return text[pos] !== "]";
    }
    return false;
  };
  try {
    for (const step of path) if (!descend(step)) return undefined;
    ws();
    return text.slice(0, pos).split("\n").length;
  } catch {
    return undefined;
  }
}

/** `line:column` of a character offset, for JSON syntax errors. @internal */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
