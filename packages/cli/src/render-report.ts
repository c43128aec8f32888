import { type GateReport, renderMarkdown, renderTerminal } from "@keycard/access-diff";
import { type Context, printJson } from "./command.js";
import { ExitCode } from "./errors.js";

/**
 * Prints a gate report the way the user asked (terminal text, the pull-request
 * Markdown, or JSON) with the same renderers the GitHub Action uses, and returns the
 * exit code for its verdict.
 * @internal
 */
export function printReport(
  context: Context,
  report: GateReport,
  format: {
    json?: boolean | undefined;
    markdown?: boolean | undefined;
    verbose?: boolean | undefined;
  },
): number {
  if (format.json) printJson(context, report);
  else if (format.markdown) context.io.stdout.write(ensureNewline(renderMarkdown(report)));
  else {
    const text = renderTerminal(report, {
      color: context.out.enabled,
      verbose: format.verbose ?? false,
    });
    context.io.stdout.write(ensureNewline(text));
  }
  return report.verdict === "pass" ? ExitCode.Ok : ExitCode.PolicyFail;
}

function ensureNewline(text: string): string {
  return text.endsWith("\n") ? text : `${text}\n`;
}
