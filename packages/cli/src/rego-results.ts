/** One test as `opa test --format json` reports it. @internal */
export interface OpaTestEntry {
  location?: { file?: string; row?: number };
  package?: string;
  name?: string;
  fail?: boolean;
  skip?: boolean;
  error?: { message?: string } | string;
  output?: string;
}

/** A test result the CLI shows. @internal */
export interface RegoTest {
  name: string;
  file: string | undefined;
  line: number | undefined;
  outcome: "pass" | "fail" | "error" | "skip";
  message?: string;
}

/** Reads `opa test --format json` output; undefined when it is not that JSON. @internal */
export function parseTestResults(
  stdout: string,
  rewrite: (text: string) => string,
): RegoTest[] | undefined {
  let entries: unknown;
  try {
    entries = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(entries)) return undefined;
  return (entries as OpaTestEntry[]).map((entry) => {
    const pkg = (entry.package ?? "").replace(/^data\./, "");
    const outcome = entry.error ? "error" : entry.fail ? "fail" : entry.skip ? "skip" : "pass";
    const message = typeof entry.error === "string" ? entry.error : entry.error?.message;
    return {
      name: pkg ? `${pkg}.${entry.name ?? "?"}` : (entry.name ?? "?"),
      file: entry.location?.file ? rewrite(entry.location.file) : undefined,
      line: entry.location?.row,
      outcome,
      ...(message ? { message: rewrite(message) } : {}),
    };
  });
}

interface Range {
  start?: { row?: number };
  end?: { row?: number };
}

/** Coverage of one module of the set. @internal */
export interface ModuleCoverage {
  file: string;
  coverage: number;
  /** Lines no test reached, as `3`, `7-9`. */
  notCovered: string[];
}

/** Coverage of the set's own modules (the library and tests left out). @internal */
export interface SetCoverage {
  percent: number;
  modules: ModuleCoverage[];
}

function rows(ranges: ReadonlyArray<Range> | undefined): number[] {
  const out = new Set<number>();
  for (const range of ranges ?? []) {
    const start = range.start?.row;
    const end = range.end?.row ?? start;
    if (start === undefined || end === undefined) continue;
    for (let row = start; row <= end; row++) out.add(row);
  }
  return [...out].sort((a, b) => a - b);
}

function spans(lines: number[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j]! + 1) j++;
    out.push(i === j ? `${lines[i]}` : `${lines[i]}-${lines[j]}`);
    i = j + 1;
  }
  return out;
}

/**
 * Reads `opa test --coverage` output and keeps the modules under `setDir` that are not
 * tests, so the figure is about the team's rules, not the keycard library.
 * @internal
 */
export function parseCoverage(
  stdout: string,
  setDir: string,
  rewrite: (text: string) => string,
): SetCoverage | undefined {
  let report: { files?: Record<string, { covered?: Range[]; not_covered?: Range[] }> };
  try {
    report = JSON.parse(stdout) as typeof report;
  } catch {
    return undefined;
  }
  let covered = 0;
  let total = 0;
  const modules: ModuleCoverage[] = [];
  for (const [file, entry] of Object.entries(report.files ?? {}).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    if (!file.startsWith(`${setDir}/`) || file.endsWith("_test.rego")) continue;
    const hit = rows(entry.covered);
    const missed = rows(entry.not_covered).filter((row) => !hit.includes(row));
    covered += hit.length;
    total += hit.length + missed.length;
    const percent =
      hit.length + missed.length === 0 ? 100 : (100 * hit.length) / (hit.length + missed.length);
    modules.push({ file: rewrite(file), coverage: percent, notCovered: spans(missed) });
  }
  return { percent: total === 0 ? 100 : (100 * covered) / total, modules };
}
