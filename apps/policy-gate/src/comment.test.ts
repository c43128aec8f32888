import * as github from "@actions/github";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER, currentLabels, upsertComment } from "./comment.js";
import { type GitHubStub, startGitHubStub } from "./test-utils/github-stub.js";

let stub: GitHubStub;
beforeAll(async () => {
  stub = await startGitHubStub();
});
afterAll(async () => {
  await stub.close();
});

function octokit() {
  return github.getOctokit("test-token", { baseUrl: stub.url });
}

describe("upsertComment", () => {
  it("creates the comment once and then edits it in place", async () => {
    const target = { owner: "acme", repo: "platform", issueNumber: 7 };
    stub.comments.set(7, [{ id: 1, body: "an unrelated comment", html_url: "http://127.0.0.1/1" }]);
    const first = await upsertComment(octokit(), target, `${COMMENT_MARKER}\nfirst`);
    const second = await upsertComment(octokit(), target, `${COMMENT_MARKER}\nsecond`);
    expect(first.action).toBe("created");
    expect(second.action).toBe("updated");
    const comments = stub.comments.get(7) ?? [];
    expect(comments).toHaveLength(2);
    expect(comments[1]?.body).toBe(`${COMMENT_MARKER}\nsecond`);
  });

  it("updates but never adds a comment when asked not to create one", async () => {
    const target = { owner: "acme", repo: "platform", issueNumber: 10 };
    expect(
      (await upsertComment(octokit(), target, `${COMMENT_MARKER}\nnothing`, { create: false }))
        .action,
    ).toBe("skipped");
    expect(stub.comments.get(10) ?? []).toHaveLength(0);
    await upsertComment(octokit(), target, `${COMMENT_MARKER}\nfail`);
    expect(
      (await upsertComment(octokit(), target, `${COMMENT_MARKER}\npass`, { create: false })).action,
    ).toBe("updated");
    expect(stub.comments.get(10)?.[0]?.body).toBe(`${COMMENT_MARKER}\npass`);
  });

  it("surfaces a read-only token as an HTTP 403", async () => {
    stub.readOnly = true;
    try {
      await expect(
        upsertComment(
          octokit(),
          { owner: "acme", repo: "platform", issueNumber: 8 },
          COMMENT_MARKER,
        ),
      ).rejects.toMatchObject({ status: 403 });
    } finally {
      stub.readOnly = false;
    }
  });
});

describe("upsertComment and comments it did not write", () => {
  const forged = (id: number) => ({
    id,
    body: `${COMMENT_MARKER}\n## keycard policy gate: pass`,
    html_url: `http://127.0.0.1/${id}`,
    user: { login: "pr-author" },
  });

  it("never edits a marked comment someone else wrote, and still posts its own", async () => {
    const target = { owner: "acme", repo: "platform", issueNumber: 21 };
    stub.comments.set(21, [forged(1)]);
    const result = await upsertComment(octokit(), target, `${COMMENT_MARKER}\nfail`);
    expect(result.action).toBe("created");
    const comments = stub.comments.get(21) ?? [];
    expect(comments.map((c) => [c.user?.login, c.body])).toEqual([
      ["pr-author", `${COMMENT_MARKER}\n## keycard policy gate: pass`],
      ["github-actions[bot]", `${COMMENT_MARKER}\nfail`],
    ]);
    expect((await upsertComment(octokit(), target, `${COMMENT_MARKER}\nagain`)).action).toBe(
      "updated",
    );
    expect(stub.comments.get(21)?.[1]?.body).toBe(`${COMMENT_MARKER}\nagain`);
  });

  it("finds its comments by the login GET /user returns for a personal token", async () => {
    const target = { owner: "acme", repo: "platform", issueNumber: 22 };
    stub.userLogin = "keycard-bot";
    try {
      stub.comments.set(22, [
        forged(2),
        {
          id: 3,
          body: `${COMMENT_MARKER}\nold`,
          html_url: "http://127.0.0.1/3",
          user: { login: "keycard-bot" },
        },
      ]);
      expect((await upsertComment(octokit(), target, `${COMMENT_MARKER}\nnew`)).action).toBe(
        "updated",
      );
      expect(stub.comments.get(22)?.map((c) => c.body)).toEqual([
        `${COMMENT_MARKER}\n## keycard policy gate: pass`,
        `${COMMENT_MARKER}\nnew`,
      ]);
    } finally {
      stub.userLogin = undefined;
    }
  });

  it("posts a new comment when editing its own fails", async () => {
    const target = { owner: "acme", repo: "platform", issueNumber: 23 };
    await upsertComment(octokit(), target, `${COMMENT_MARKER}\nfirst`);
    stub.failEdits = true;
    try {
      expect((await upsertComment(octokit(), target, `${COMMENT_MARKER}\nsecond`)).action).toBe(
        "created",
      );
    } finally {
      stub.failEdits = false;
    }
    expect(stub.comments.get(23)?.map((c) => c.body)).toEqual([
      `${COMMENT_MARKER}\nfirst`,
      `${COMMENT_MARKER}\nsecond`,
    ]);
  });
});

describe("currentLabels", () => {
  it("reads the pull request's labels", async () => {
    stub.labels.set(9, ["policy-change-approved", "team:payments"]);
    expect(
      await currentLabels(octokit(), { owner: "acme", repo: "platform", issueNumber: 9 }),
    ).toEqual(["policy-change-approved", "team:payments"]);
  });
});
