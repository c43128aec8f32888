/** Template variables whose values come from where the call goes, not from its input. */
const ENVIRONMENT_VARIABLES = new Set(["Partition", "Region", "Account"]);

/**
 * A parsed ARN format from the IAM reference, such as
 * `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
 * @internal
 */
export interface ArnTemplate {
  readonly raw: string;
  /** Literal text and variable names, alternating as they appear. */
  readonly parts: ReadonlyArray<{ readonly literal: string } | { readonly variable: string }>;
  /** Variables other than partition, region and account, in order. */
  readonly inputVariables: readonly string[];
  /** The format as {@link matchesTemplate} walks it, one step per character or variable. */
  readonly steps: Int32Array;
  /**
   * The format as a regular expression, for the formats it decides in time that grows with the
   * text's length (see {@link matchesTemplate}); undefined for the others.
   */
  readonly linear: RegExp | undefined;
}

/** Steps of a template besides literal characters (which are their own UTF-16 code, 0 or more). */
const ANY_ONE = -1;
const ANY_RUN = -2;
const RUN_WITHOUT_COLON = -3;
const COLON = 0x3a;

/**
 * Whether `text` is an ARN of the template's format: its literal text as written, partition,
 * region and account as text without a colon (possibly empty: S3 buckets, IAM roles, global
 * tables), any other variable as any non-empty text. Time grows at most with the product of the
 * two lengths: the text is walked once, keeping every step of the template it could have reached.
 * A regular expression with a `.+` per variable backtracks polynomially in their number on text
 * that nearly matches (three variables and a literal end took 0.3 s on 2,048 characters), and
 * the text is often a member of the call's input, which an application's users may choose.
 * @internal
 */
export function matchesTemplate(template: ArnTemplate, text: string): boolean {
  // Most formats have one variable of the input's, and partition, region and account each
  // between colons: a regular expression decides those in one pass, and ten times faster.
  if (template.linear !== undefined) return template.linear.test(text);
  if (!literalsInOrder(template, text)) return false;
  const steps = template.steps;
  const end = steps.length;
  if (scratch.current.length <= end) scratch = scratchOf(end + 1);
  let current = scratch.current;
  let next = scratch.next;
  const seen = scratch.seen;
  if (stamp > 2 ** 30 - text.length - 2) {
    seen.fill(-1);
    stamp = 0;
  }
  // Positions in the template reachable after the characters read so far, each listed once.
  let count = reach(steps, 0, current, 0, seen, ++stamp);
  for (let t = 0; t < text.length && count > 0; t++) {
    const code = text.charCodeAt(t);
    const mark = ++stamp;
    let reached = 0;
    for (let k = 0; k < count; k++) {
      const at = current[k]!;
      if (at === end) continue;
      const step = steps[at]!;
      if (step === ANY_RUN || (step === RUN_WITHOUT_COLON && code !== COLON))
        reached = reach(steps, at, next, reached, seen, mark);
      else if (step === ANY_ONE || step === code)
        reached = reach(steps, at + 1, next, reached, seen, mark);
    }
    const swap = current;
    current = next;
    next = swap;
    count = reached;
  }
  for (let k = 0; k < count; k++) if (current[k] === end) return true;
  return false;
}

/**
 * Whether the template's literal text appears in `text` in order, the first at its start and the
 * last at its end when the template starts or ends with one: true of every match, and false for
 * most texts that do not match, found with a few searches.
 */
function literalsInOrder(template: ArnTemplate, text: string): boolean {
  const parts = template.parts;
  let from = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!("literal" in part)) continue;
    const literal = part.literal;
    if (i === 0) {
      if (!text.startsWith(literal)) return false;
      from = literal.length;
    } else if (i === parts.length - 1) {
      return text.length - literal.length >= from && text.endsWith(literal);
    } else {
      const at = text.indexOf(literal, from);
      if (at === -1) return false;
      from = at + literal.length;
    }
  }
  return true;
}

/** Lists of positions and the marks that keep them unique, shared by every call (none nests). */
interface Scratch {
  readonly current: Int32Array;
  readonly next: Int32Array;
  readonly seen: Int32Array;
}

function scratchOf(size: number): Scratch {
  stamp = 0;
  return {
    current: new Int32Array(size),
    next: new Int32Array(size),
    seen: new Int32Array(size).fill(-1),
  };
}

let stamp = 0;
let scratch = scratchOf(128);

/**
 * Adds `at` to `into` (unless already there for this character's `mark`), and the positions a
 * run can end at without consuming anything: a run matches empty text too.
 */
function reach(
  steps: Int32Array,
  at: number,
  into: Int32Array,
  count: number,
  seen: Int32Array,
  mark: number,
): number {
  let n = count;
  for (let i = at; i <= steps.length; i++) {
    if (seen[i] === mark) break;
    seen[i] = mark;
    into[n++] = i;
    const step = steps[i];
    if (step !== ANY_RUN && step !== RUN_WITHOUT_COLON) break;
  }
  return n;
}

const hasOwn = Object.hasOwn;

/** `${Name}`: a variable of an ARN format. */
const VARIABLE = /\$\{([^}]+)\}/g;

type TemplatePart = { readonly literal: string } | { readonly variable: string };

/**
 * Parses one ARN format. The reference sometimes lists several formats separated by commas for
 * one resource type; {@link parseArnTemplates} splits them. Every list is made whole (`map`,
 * `flatMap`, `filter`) and the result is frozen: templates are kept for the life of the process,
 * and a list filled one `push` at a time would hand itself to a setter code in the process put on
 * `Array.prototype`, to keep and change.
 * @internal
 */
export function parseArnTemplate(raw: string): ArnTemplate {
  let last = 0;
  const parts: readonly TemplatePart[] = Array.from(raw.matchAll(VARIABLE)).flatMap((m) => {
    const variable: TemplatePart = Object.freeze({ variable: m[1]! });
    const literal = raw.slice(last, m.index);
    last = m.index + m[0].length;
    return literal.length > 0 ? [Object.freeze({ literal }), variable] : [variable];
  });
  const rest = raw.slice(last);
  const all: readonly TemplatePart[] = Object.freeze(
    rest.length > 0 ? [...parts, Object.freeze({ literal: rest })] : parts,
  );
  const inputVariables: readonly string[] = Object.freeze(
    all.flatMap((part) =>
      hasOwn(part, "variable") && !ENVIRONMENT_VARIABLES.has(variableOf(part))
        ? [variableOf(part)]
        : [],
    ),
  );
  // Whether each partition, region or account run is followed by a colon, which it cannot take.
  const runsEndAtColons = all.every((part, i) => {
    if (!hasOwn(part, "variable") || !ENVIRONMENT_VARIABLES.has(variableOf(part))) return true;
    const next = all[i + 1];
    return next !== undefined && hasOwn(next, "literal") && literalOf(next).startsWith(":");
  });
  const steps = Int32Array.from(
    all.flatMap((part) => {
      if (hasOwn(part, "literal")) {
        const literal = literalOf(part);
        return Array.from({ length: literal.length }, (_, i) => literal.charCodeAt(i));
      }
      // Region and account may be legitimately empty (S3 buckets, IAM roles, global tables).
      return ENVIRONMENT_VARIABLES.has(variableOf(part)) ? [RUN_WITHOUT_COLON] : [ANY_ONE, ANY_RUN];
    }),
  );
  // One run that can take anything, the others stopped by colons: no two runs compete for the
  // same characters, so the expression never backtracks over more than the one run.
  const linear =
    inputVariables.length <= 1 && runsEndAtColons
      ? new RegExp(`^${all.map(sourceOf).join("")}$`, "s")
      : undefined;
  return Object.freeze({ raw, parts: all, inputVariables, steps, linear });
}

function literalOf(part: TemplatePart): string {
  return (part as { readonly literal: string }).literal;
}

function variableOf(part: TemplatePart): string {
  return (part as { readonly variable: string }).variable;
}

/** A part as regular-expression source. */
function sourceOf(part: TemplatePart): string {
  if (hasOwn(part, "literal")) return escapeRegExp(literalOf(part));
  return ENVIRONMENT_VARIABLES.has(variableOf(part)) ? "[^:]*" : ".+";
}

/** Parses a resource type's ARN format, which may list several formats separated by commas. @internal */
export function parseArnTemplates(raw: string): ArnTemplate[] {
  return raw
    .split(/,\s*(?=arn:)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(parseArnTemplate);
}

/** True for the variables filled from the call's partition, region and account. @internal */
export function isEnvironmentVariable(name: string): boolean {
  return ENVIRONMENT_VARIABLES.has(name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
