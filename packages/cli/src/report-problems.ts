import { type Context, eprintln } from "./command.js";
import { formatProblem, type Problem } from "./validate.js";

/** Prints problems to standard error as `error:` or `warning:` lines. @internal */
export function reportProblems(
  context: Context,
  problems: ReadonlyArray<Problem>,
  severity: "error" | "warning",
): void {
  const label = severity === "error" ? context.err.red("error:") : context.err.yellow("warning:");
  for (const problem of problems) eprintln(context, `${label} ${formatProblem(problem)}`);
}
