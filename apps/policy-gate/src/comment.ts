import type * as github from "@actions/github";

type Octokit = ReturnType<typeof github.getOctokit>;

/** Hidden text that identifies the gate's comment, so it is updated rather than repeated. @internal */
export const COMMENT_MARKER = "<!-- keycard-policy-gate -->";

/** Where the comment goes. @internal */
export interface CommentTarget {
  owner: string;
  repo: string;
  issueNumber: number;
}

/**
 * Creates the gate's comment on the pull request, or edits it in place when a comment with
 * the marker exists. The first marked comment wins, so reruns never add a second one. With
 * `create: false` an existing comment is still brought up to date, but none is added.
 * @internal
 */
export async function upsertComment(
  octokit: Octokit,
  target: CommentTarget,
  body: string,
  options: { create?: boolean } = {},
): Promise<{ action: "created" | "updated" | "skipped"; url: string | undefined }> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  const existing = comments.find((c) => c.body?.includes(COMMENT_MARKER));
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({
      owner: target.owner,
      repo: target.repo,
      comment_id: existing.id,
      body,
    });
    return { action: "updated", url: data.html_url };
  }
  if (options.create === false) return { action: "skipped", url: undefined };
  const { data } = await octokit.rest.issues.createComment({
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    body,
  });
  return { action: "created", url: data.html_url };
}

/** Current labels of the pull request (the event payload may predate a label change). @internal */
export async function currentLabels(octokit: Octokit, target: CommentTarget): Promise<string[]> {
  const labels = await octokit.paginate(octokit.rest.issues.listLabelsOnIssue, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  return labels.map((l) => l.name);
}
