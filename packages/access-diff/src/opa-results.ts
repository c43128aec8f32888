/** One test as `opa test --format json` reports it. */
interface OpaTestEntry {
  location?: { file?: string; row?: number };
  package?: string;
  name?: string;
  fail?: boolean;
  skip?: boolean;
  error?: { message?: string } | string;
}

/** One Rego test and how it ended. @public */
export interface TestCase {
  /** `package.test_name`, without the `data.` prefix. */
  name: string;
  /** The file as OPA printed it (a staged path; map it with the caller's naming). */
  file: string | undefined;
  line: number | undefined;
  outcome: "pass" | "fail" | "error" | "skip";
  message?: string;
}

/** Coverage of one module of the set. @public */
export interface ModuleCoverage {
  file: string;
  /** Percent of the module's lines that tests reached. */
  coverage: number;
  /** Lines no test reached, as `3`, `7-9`. */
  notCovered: string[];
}

/** Coverage of a set's own modules, its tests left out. @public */
export interface SetCoverage {
  percent: number;
  modules: ModuleCoverage[];
}

/**
 * Reads `opa test --format json` output: one {@link TestCase} per test, or undefined when the
 * output is not that JSON (the modules did not compile, or no test ran).
 * @internal
 */
export function parseTestCases(stdout: string): TestCase[] | undefined {
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
      file: entry.location?.file,
      line: entry.location?.row,
      outcome,
      ...(message ? { message } : {}),
    };
  });
}

interface Range {
  start?: { row?: number };
  end?: { row?: number };
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
    while (j + 1 < lines.length && lines[j + 1] === (lines[j] ?? 0) + 1) j++;
    out.push(i === j ? `${lines[i]}` : `${lines[i]}-${lines[j]}`);
    i = j + 1;
  }
  return out;
}

/**
 * Reads `opa test --coverage --format json` output and keeps the modules under `setPrefix`
 * that are not tests, so the figure is about the set's rules, not the keycard library. A set
 * whose modules have no lines to cover counts as 0 %: nothing was shown to be tested.
 * Undefined when the output is not a coverage report.
 * @internal
 */
export function parseCoverage(stdout: string, setPrefix: string): SetCoverage | undefined {
  let report: { files?: Record<string, { covered?: Range[]; not_covered?: Range[] }> };
  try {
    report = JSON.parse(stdout) as typeof report;
  } catch {
    return undefined;
  }
  if (typeof report !== "object" || report === null) return undefined;
  let covered = 0;
  let total = 0;
  const modules: ModuleCoverage[] = [];
  const files = Object.entries(report.files ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [file, entry] of files) {
    const normalized = file.replace(/\\/g, "/");
    if (!normalized.startsWith(setPrefix) || normalized.endsWith("_test.rego")) continue;
    const hit = rows(entry.covered);
    const missed = rows(entry.not_covered).filter((row) => !hit.includes(row));
    covered += hit.length;
    total += hit.length + missed.length;
    const lines = hit.length + missed.length;
    modules.push({
      file: normalized,
      coverage: lines === 0 ? 100 : (100 * hit.length) / lines,
      notCovered: spans(missed),
    });
  }
  return { percent: total === 0 ? 0 : (100 * covered) / total, modules };
}
