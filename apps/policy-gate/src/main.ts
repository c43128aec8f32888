import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as core from "@actions/core";
import * as github from "@actions/github";
import {
  AccessDiffError,
  asError,
  type GateReport,
  logText,
  markdownText,
  renderMarkdown,
  runGate,
  toAnnotations,
  toSarif,
} from "@keycard/access-diff";
import { COMMENT_MARKER, type CommentTarget, currentLabels, upsertComment } from "./comment.js";
import { type ActionInputs, InputError, readInputs } from "./inputs.js";

/** GitHub rejects comments longer than 65,536 characters; leave room for the marker. */
const COMMENT_LIMIT = 60_000;
/** Job summaries are limited to 1 MiB per step. */
const SUMMARY_LIMIT = 900_000;

interface PullRequestPayload {
  number: number;
  base?: { sha?: string; repo?: { full_name?: string } };
  head?: { repo?: { full_name?: string; fork?: boolean } | null };
  labels?: Array<{ name?: string }>;
}

/** The Rego library shipped next to the bundle, for repositories that do not vendor it. */
function bundledLibrary(): string | undefined {
  const dir = fileURLToPath(new URL("./library", import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

/** What to do about an error that stopped the gate. */
function advice(error: unknown): string {
  if (error instanceof InputError) return "Fix the input in the workflow file.";
  if (error instanceof AccessDiffError) {
    switch (error.code) {
      case "ToolNotFound":
        return "Install the CLIs in an earlier step (open-policy-agent/setup-opa and StyraInc/setup-regal) or set opa-path and regal-path.";
      case "GitFailed":
        return "Check out the repository with its history (actions/checkout with fetch-depth: 0) so the base commit is available.";
      case "ToolTimeout":
        return "Raise timeout-seconds, or look for Rego that takes unusually long to compile or test.";
      case "ToolOutOfMemory":
        return "Raise memory-limit-mb, or look for Rego that builds unusually large values.";
      case "LibraryNotFound":
        return "Keep the keycard Rego library in a folder named keycard under one of the configured paths (policies/keycard), or use the action's bundled copy.";
      default:
        break;
    }
  }
  return "This is not a verdict on the policies: re-run the job, and if it fails again report it with the log (enable step debug logging for details).";
}

function annotate(report: GateReport): void {
  for (const a of toAnnotations(report)) {
    const properties: core.AnnotationProperties = {
      title: a.title,
      ...(a.file ? { file: a.file } : {}),
      ...(a.line ? { startLine: a.line } : {}),
      ...(a.column ? { startColumn: a.column } : {}),
    };
    if (a.level === "error") core.error(a.message, properties);
    else if (a.level === "warning") core.warning(a.message, properties);
    else core.notice(a.message, properties);
  }
}

function runUrl(): string | undefined {
  const { serverUrl, runId } = github.context;
  const repository = process.env.GITHUB_REPOSITORY;
  return repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined;
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === "number" ? status : undefined;
}

/** Comments on the pull request; returns a sentence for the summary when it could not. */
async function comment(
  inputs: ActionInputs,
  pr: PullRequestPayload,
  target: CommentTarget,
  body: string,
  create: boolean,
): Promise<string | undefined> {
  const fork =
    pr.head?.repo?.fork === true ||
    (pr.head?.repo?.full_name !== undefined && pr.head.repo.full_name !== pr.base?.repo?.full_name);
  if (!inputs.githubToken)
    return "No github-token was given, so the gate did not comment on the pull request.";
  try {
    const result = await upsertComment(github.getOctokit(inputs.githubToken), target, body, {
      create,
    });
    const done = {
      created: "Commented",
      updated: "Updated the comment",
      skipped: "No policy set changed, so there is nothing to comment",
    };
    core.info(`${done[result.action]}${result.url ? `: ${result.url}` : ""}`);
    return undefined;
  } catch (error) {
    const status = httpStatus(error);
    const why =
      fork && (status === 403 || status === 404)
        ? "This pull request comes from a fork, so the workflow token is read-only and the gate could not comment; the verdict and report are in this summary."
        : status === 403 || status === 404
          ? "The token may not write comments: give the job `permissions: pull-requests: write`."
          : `Commenting failed: ${(error as Error).message}`;
    core.warning(why);
    return why;
  }
}

async function labelsOf(
  inputs: ActionInputs,
  pr: PullRequestPayload,
  target: CommentTarget,
): Promise<string[]> {
  const fromEvent = (pr.labels ?? []).flatMap((l) => (l.name ? [l.name] : []));
  if (!inputs.githubToken) return fromEvent;
  try {
    return await currentLabels(github.getOctokit(inputs.githubToken), target);
  } catch (error) {
    core.info(
      logText(
        `Could not read the current labels (${(error as Error).message}); using the event's.`,
      ),
    );
    return fromEvent;
  }
}

/** Runs the gate as a GitHub Action. Never throws: failures are reported with `core.setFailed`. @internal */
export async function run(): Promise<void> {
  let inputs: ActionInputs | undefined;
  const pr = github.context.payload.pull_request as PullRequestPayload | undefined;
  try {
    inputs = readInputs();
    const baseRef = inputs.baseRef ?? pr?.base?.sha;
    if (!baseRef)
      throw new InputError(
        "base-ref is required when the workflow is not triggered by a pull request",
      );
    const { owner, repo } = github.context.repo;
    const target = pr ? { owner, repo, issueNumber: pr.number } : undefined;
    const labels = pr && target ? await labelsOf(inputs, pr, target) : [];
    const approved = labels.includes(inputs.approvalLabel);

    const fallbackLibrary = bundledLibrary();
    const report = await runGate({
      root: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      baseRef,
      // The checkout is the commit the workflow runs on (for pull requests, the merge commit).
      ...(github.context.sha ? { headLabel: github.context.sha } : {}),
      paths: inputs.paths,
      approved,
      approvalLabel: inputs.approvalLabel,
      failOn: inputs.failOn,
      coverageThreshold: inputs.coverageThreshold,
      tools: {
        ...(inputs.opaPath ? { opa: inputs.opaPath } : {}),
        ...(inputs.regalPath ? { regal: inputs.regalPath } : {}),
        timeoutMs: inputs.timeoutSeconds * 1000,
        memoryBytes: inputs.memoryLimitMb * 1024 * 1024,
      },
      ...(fallbackLibrary ? { fallbackLibrary } : {}),
      // Progress names sets and files from the pull request: one log line each, always.
      onProgress: (message) => core.info(logText(message)),
    });

    const sarifPath = join(process.env.RUNNER_TEMP ?? tmpdir(), "keycard-policy-gate.sarif");
    await writeFile(sarifPath, JSON.stringify(toSarif(report), null, 2));
    core.setOutput("result", report.verdict);
    core.setOutput("new-access", report.counts.newAccess);
    core.setOutput("removed-access", report.counts.removedAccess);
    core.setOutput("escalations", report.counts.escalations);
    core.setOutput("sarif", sarifPath);
    annotate(report);

    const detailsUrl = runUrl();
    let commentProblem: string | undefined;
    if (pr && target) {
      const body = renderMarkdown(report, {
        header: COMMENT_MARKER,
        maxLength: COMMENT_LIMIT,
        ...(detailsUrl ? { detailsUrl } : {}),
      });
      // A pull request that touches no policy set gets no new comment, but an earlier one
      // (from a commit that did touch a set) is brought up to date.
      commentProblem = await comment(inputs, pr, target, body, report.sets.length > 0);
    }
    const summary = renderMarkdown(report, { maxLength: SUMMARY_LIMIT });
    await core.summary
      .addRaw(commentProblem ? `> ${commentProblem}\n\n${summary}` : summary)
      .write();

    if (report.verdict === "fail") {
      const blocking = report.reasons
        .filter((r) => report.failOn.includes(r.check) && !r.waived)
        .map((r) => r.message);
      core.setFailed(
        `Policy gate failed: ${blocking.join("; ")}. See the job summary for details.`,
      );
    } else core.info("Policy gate passed.");
  } catch (error) {
    await reportFailure(error, inputs, pr);
  }
}

/**
 * Reports a gate that could not run: the job fails with the reason and what to do, and the
 * pull request gets the same in its comment, so a reviewer never mistakes silence for a pass.
 */
async function reportFailure(
  error: unknown,
  inputs: ActionInputs | undefined,
  pr: PullRequestPayload | undefined,
): Promise<void> {
  core.setOutput("result", "fail");
  const message = asError(error).message;
  const text = `keycard policy gate could not run: ${message}. ${advice(error)}`;
  core.setFailed(logText(text));
  const body = [
    "## ❌ keycard policy gate: could not run",
    "",
    markdownText(`${message}.`),
    "",
    markdownText(advice(error)),
  ].join("\n");
  try {
    await core.summary.addRaw(body).write();
  } catch {
    // Outside a runner there is no summary file; the failure above is reported either way.
  }
  if (!inputs || !pr) return;
  const { owner, repo } = github.context.repo;
  await comment(
    inputs,
    pr,
    { owner, repo, issueNumber: pr.number },
    `${COMMENT_MARKER}\n${body}`,
    true,
  );
}
