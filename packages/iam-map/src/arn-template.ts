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
  /** Matches ARNs of this format; a variable matches any non-empty text. */
  readonly pattern: RegExp;
}

/**
 * Parses one ARN format. The reference sometimes lists several formats separated by commas for
 * one resource type; {@link parseArnTemplates} splits them.
 * @internal
 */
export function parseArnTemplate(raw: string): ArnTemplate {
  const parts: Array<{ literal: string } | { variable: string }> = [];
  const inputVariables: string[] = [];
  let source = "^";
  const re = /\$\{([^}]+)\}/g;
  let last = 0;
  for (let m = re.exec(raw); m !== null; m = re.exec(raw)) {
    if (m.index > last) {
      const literal = raw.slice(last, m.index);
      parts.push({ literal });
      source += escapeRegExp(literal);
    }
    const variable = m[1]!;
    parts.push({ variable });
    if (ENVIRONMENT_VARIABLES.has(variable)) {
      // Region and account may be legitimately empty (S3 buckets, IAM roles, global tables).
      source += "[^:]*";
    } else {
      inputVariables.push(variable);
      source += ".+";
    }
    last = m.index + m[0].length;
  }
  if (last < raw.length) {
    const literal = raw.slice(last);
    parts.push({ literal });
    source += escapeRegExp(literal);
  }
  return { raw, parts, inputVariables, pattern: new RegExp(`${source}$`, "s") };
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
