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
 * The login the gate's comments are written under. A personal or app token can ask
 * `GET /user`; the workflow's `GITHUB_TOKEN` cannot (GitHub answers 403), and its comments
 * are written by `github-actions[bot]`.
 */
export const ACTIONS_BOT = "github-actions[bot]";

async function ownLogin(octokit: Octokit): Promise<string> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch {
    // Only the workflow token is refused here; matching the bot then finds nothing the pull
    // request's author wrote, and the worst case is a second comment, never a hidden one.
    return ACTIONS_BOT;
  }
}

/**
 * Creates the gate's comment on the pull request, or edits it in place when the gate already
 * wrote one: only a comment with the marker written under the token's own login counts, since
 * anyone can post the marker (an author's fake "passed" comment must never be the one the gate
 * edits, nor stop it from posting). The first such comment wins, so reruns never add a second
 * one. When the edit fails, a new comment is posted. With `create: false` an existing comment
 * is still brought up to date, but none is added.
 * @internal
 */
export async function upsertComment(
  octokit: Octokit,
  target: CommentTarget,
  body: string,
  options: { create?: boolean } = {},
): Promise<{ action: "created" | "updated" | "skipped"; url: string | undefined }> {
  const [comments, login] = await Promise.all([
    octokit.paginate(octokit.rest.issues.listComments, {
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      per_page: 100,
    }),
    ownLogin(octokit),
  ]);
  const existing = comments.find(
    (c) => c.user?.login === login && c.body?.includes(COMMENT_MARKER),
  );
  if (existing) {
    try {
      const { data } = await octokit.rest.issues.updateComment({
        owner: target.owner,
        repo: target.repo,
        comment_id: existing.id,
        body,
      });
      return { action: "updated", url: data.html_url };
    } catch (error) {
      // The verdict must reach the pull request: post it anew rather than leave the old one.
      if (options.create === false) throw error;
    }
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
