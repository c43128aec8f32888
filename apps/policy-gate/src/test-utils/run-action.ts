import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The bundled action, as the runner starts it: `dist/index.js`, or the build that
 * `KEYCARD_ACTION_ENTRY` names (a bundle made with `--outdir`, to test source changes before
 * `dist/` is rebuilt).
 * @internal
 */
export const ACTION_ENTRY =
  process.env.KEYCARD_ACTION_ENTRY ?? join(import.meta.dirname, "..", "..", "dist", "index.js");

/** What a run of the bundled action produced. @internal */
export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** The SARIF file the `sarif` output names, read before the run's temporary files go. */
  sarif: string | undefined;
}

/** Parses `$GITHUB_OUTPUT`: `name<<delimiter`, the value lines, then the delimiter. @internal */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? "");
    if (match?.[1] && match[2]) {
      const value: string[] = [];
      i += 1;
      while (i < lines.length && lines[i] !== match[2]) value.push(lines[i++] ?? "");
      outputs[match[1]] = value.join("\n");
    } else {
      const eq = /^([^=]+)=(.*)$/.exec(lines[i] ?? "");
      if (eq?.[1]) outputs[eq[1]] = eq[2] ?? "";
    }
  }
  return outputs;
}

/**
 * Runs `node dist/index.js` the way the Actions runner does: inputs as `INPUT_<NAME>`
 * (upper-cased, spaces to underscores, dashes kept), the event payload in a file, and files
 * for outputs and the step summary.
 * @internal
 */
export async function runAction(options: {
  workspace: string;
  inputs: Record<string, string>;
  event: Record<string, unknown>;
  apiUrl: string;
  /** `GITHUB_SHA`: the commit the workflow runs on. */
  sha?: string;
}): Promise<ActionRun> {
  const temp = mkdtempSync(join(tmpdir(), "keycard-gate-run-"));
  try {
    const eventPath = join(temp, "event.json");
    const outputPath = join(temp, "output");
    const summaryPath = join(temp, "summary.md");
    writeFileSync(eventPath, JSON.stringify(options.event));
    writeFileSync(outputPath, "");
    writeFileSync(summaryPath, "");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: temp,
      GITHUB_ACTIONS: "true",
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REPOSITORY: "acme/platform",
      GITHUB_RUN_ID: "42",
      GITHUB_SERVER_URL: "http://127.0.0.1",
      GITHUB_API_URL: options.apiUrl,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      RUNNER_TEMP: temp,
      NO_PROXY: "127.0.0.1",
      ...(options.sha ? { GITHUB_SHA: options.sha } : {}),
    };
    for (const [name, value] of Object.entries(options.inputs))
      env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] = value;
    const child = spawn(process.execPath, [ACTION_ENTRY], {
      cwd: options.workspace,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString("utf8");
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
    });
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
    const outputs = parseOutputFile(readFileSync(outputPath, "utf8"));
    return {
      code,
      stdout,
      stderr,
      outputs,
      summary: readFileSync(summaryPath, "utf8"),
      sarif:
        outputs.sarif && existsSync(outputs.sarif)
          ? readFileSync(outputs.sarif, "utf8")
          : undefined,
    };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}
