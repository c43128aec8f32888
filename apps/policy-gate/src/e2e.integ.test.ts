import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { type GitHubStub, startGitHubStub } from "./test-utils/github-stub.js";
import { createRepo, iamDocument, MONOREPO, OPA, REGAL, type TempRepo } from "./test-utils/repo.js";
import { type ActionRun, runAction } from "./test-utils/run-action.js";

const ORDERS = "policies/orders/orders.json";

const read = {
  Sid: "ReadOrders",
  Effect: "Allow",
  Action: ["s3:GetObject", "s3:ListBucket"],
  Resource: ["arn:aws:s3:::orders", "arn:aws:s3:::orders/*"],
};
const write = {
  Sid: "WriteOrders",
  Effect: "Allow",
  Action: "s3:PutObject",
  Resource: "arn:aws:s3:::orders/incoming/*",
};

// A set with a custom rule and its tests, present in every repository, so Rego checks run.
const PAYMENTS_RULE = `package keycard.custom.payments

# METADATA
# description: Payments are never deleted.
deny contains "payments are never deleted" if {
	input.request.action == "dynamodb:DeleteItem"
}
`;
const PAYMENTS_TEST = `package keycard.custom.payments_test

import data.keycard.custom.payments

test_delete_denied if {
	"payments are never deleted" in payments.deny with input as {"request": {"action": "dynamodb:DeleteItem", "resource": "arn:aws:dynamodb:us-east-1:123456789012:table/payments"}}
}

test_read_allowed if {
	count(payments.deny) == 0 with input as {"request": {"action": "dynamodb:GetItem", "resource": "arn:aws:dynamodb:us-east-1:123456789012:table/payments"}}
}
`;

function baseFiles(): Record<string, string> {
  return {
    [ORDERS]: iamDocument([read, write]),
    "policies/payments/payments.json": iamDocument([
      {
        Sid: "Payments",
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:DeleteItem"],
        Resource: "arn:aws:dynamodb:us-east-1:123456789012:table/payments",
      },
    ]),
    "policies/payments/payments.rego": PAYMENTS_RULE,
    "policies/payments/payments_test.rego": PAYMENTS_TEST,
  };
}

let github: GitHubStub;
beforeAll(async () => {
  github = await startGitHubStub();
});
afterAll(async () => {
  await github.close();
});

let nextPr = 1;

function repo(
  head: Record<string, string | null>,
  options: { links?: Record<string, string> } = {},
): TempRepo {
  const r = createRepo(baseFiles(), head, options);
  onTestFinished(() => r.remove());
  return r;
}

async function gate(
  r: TempRepo,
  options: { pr?: number; labels?: string[]; fork?: boolean; inputs?: Record<string, string> } = {},
): Promise<ActionRun & { pr: number }> {
  const pr = options.pr ?? nextPr++;
  github.labels.set(pr, options.labels ?? []);
  const run = await runAction({
    workspace: r.dir,
    apiUrl: github.url,
    sha: r.head,
    inputs: {
      "github-token": "test-token",
      "opa-path": OPA,
      "regal-path": REGAL,
      paths: "policies",
      "approval-label": "policy-change-approved",
      "coverage-threshold": "80",
      "fail-on": "invalid,tests,new-access,escalation",
      ...options.inputs,
    },
    event: {
      action: "synchronize",
      number: pr,
      pull_request: {
        number: pr,
        base: { sha: r.base, repo: { full_name: "acme/platform" } },
        head: {
          sha: r.head,
          repo: {
            full_name: options.fork ? "someone/platform" : "acme/platform",
            fork: options.fork === true,
          },
        },
        labels: [],
      },
      repository: { full_name: "acme/platform", name: "platform", owner: { login: "acme" } },
    },
  });
  return { ...run, pr };
}

function commentsOf(pr: number) {
  return github.comments.get(pr) ?? [];
}

describe("the bundled action", () => {
  it("passes a narrowing change and lists the removed access", async () => {
    const r = repo({ [ORDERS]: iamDocument([read]) });
    const run = await gate(r);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.result).toBe("pass");
    expect(run.outputs["new-access"]).toBe("0");
    expect(Number(run.outputs["removed-access"])).toBeGreaterThan(0);
    expect(run.outputs.escalations).toBe("0");
    expect(JSON.parse(run.sarif ?? "{}").version).toBe("2.1.0");
    const [comment, ...others] = commentsOf(run.pr);
    expect(others).toHaveLength(0);
    expect(comment?.body).toContain("<!-- keycard-policy-gate -->");
    expect(comment?.body).toContain("Removed access");
    expect(comment?.body).toContain("s3:PutObject");
    expect(run.summary).toContain("keycard policy gate: pass");
    expect(comment?.body).toContain(
      `Compared \`${r.base.slice(0, 7)}\` → \`${r.head.slice(0, 7)}\``,
    );
  });

  it("fails a broadening change and lists the new access", async () => {
    const r = repo({
      [ORDERS]: iamDocument([
        read,
        write,
        {
          Sid: "Cleanup",
          Effect: "Allow",
          Action: "s3:DeleteObject",
          Resource: "arn:aws:s3:::orders/*",
        },
      ]),
    });
    const run = await gate(r);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.outputs.result).toBe("fail");
    expect(Number(run.outputs["new-access"])).toBe(1);
    const body = commentsOf(run.pr)[0]?.body ?? "";
    expect(body).toContain("New access");
    expect(body).toContain("`s3:DeleteObject`");
    expect(body).toContain("`arn:aws:s3:::orders/*`");
    expect(body).toContain("policy-change-approved");
    expect(run.stdout).toMatch(/::error::Policy gate failed/);
  });

  it("flags a privilege-escalation path at its statement", async () => {
    const r = repo({
      [ORDERS]: iamDocument([
        read,
        write,
        {
          Sid: "Versions",
          Effect: "Allow",
          Action: "iam:CreatePolicyVersion",
          Resource: "arn:aws:iam::123456789012:policy/orders-*",
        },
      ]),
    });
    const run = await gate(r);
    expect(run.outputs.result).toBe("fail");
    expect(Number(run.outputs.escalations)).toBeGreaterThanOrEqual(1);
    const body = commentsOf(run.pr)[0]?.body ?? "";
    expect(body).toContain("Create a new version of a managed policy");
    expect(body).toContain("rhinosecuritylabs.com");
    // The statement is the document's third, which starts on line 29 of the formatted file.
    expect(run.stdout).toMatch(
      /::error title=critical risk[^\n]*file=policies\/orders\/orders.json,line=\d+::/,
    );
  });

  it("passes new access once the approval label is on the pull request", async () => {
    const r = repo({
      [ORDERS]: iamDocument([
        read,
        write,
        {
          Sid: "Cleanup",
          Effect: "Allow",
          Action: "s3:DeleteObject",
          Resource: "arn:aws:s3:::orders/*",
        },
      ]),
    });
    const run = await gate(r, { labels: ["policy-change-approved"] });
    expect(run.code, run.stdout).toBe(0);
    expect(run.outputs.result).toBe("pass");
    expect(run.outputs["new-access"]).toBe("1");
    expect(commentsOf(run.pr)[0]?.body).toContain(
      "Approved with the `policy-change-approved` label",
    );
  });

  it("annotates a syntax error at its line and fails whatever the label", async () => {
    const broken = `{\n  "Version": "2012-10-17",\n  "Statement": [\n    { "Effect": "Allow", "Action": "s3:GetObject" "Resource": "*" }\n  ]\n}\n`;
    const r = repo({ [ORDERS]: broken });
    const run = await gate(r, { labels: ["policy-change-approved"] });
    expect(run.outputs.result).toBe("fail");
    expect(run.stdout).toMatch(
      /::error title=iam%3A MalformedDocument,file=policies\/orders\/orders.json,line=4(,col=\d+)?::/,
    );
    expect(commentsOf(run.pr)[0]?.body).toContain("Failing checks");
  });

  it("annotates a failing Rego test in a set with custom rules", async () => {
    const r = repo({
      "policies/payments/payments_test.rego": `${PAYMENTS_TEST}\ntest_wrong if {\n\tcount(payments.deny) == 1 with input as {"request": {"action": "dynamodb:GetItem", "resource": "*"}}\n}\n`,
    });
    const run = await gate(r);
    expect(run.outputs.result).toBe("fail");
    expect(run.stdout).toMatch(
      /::error title=tests[^\n]*file=policies\/payments\/payments_test.rego,line=\d+::/,
    );
  });

  it("edits its comment on the next run instead of adding one", async () => {
    const r = repo({ [ORDERS]: iamDocument([read]) });
    const first = await gate(r);
    const second = await gate(r, { pr: first.pr });
    expect(second.outputs.result).toBe("pass");
    expect(commentsOf(first.pr)).toHaveLength(1);
    const patches = github.requests.filter((q) => q.method === "PATCH");
    expect(patches.length).toBeGreaterThanOrEqual(1);
    expect(github.requests.every((q) => q.authorization === "token test-token")).toBe(true);
  });

  it("passes without commenting when no policy set changed", async () => {
    const r = repo({ "README.md": "docs only\n" });
    const run = await gate(r);
    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe("pass");
    expect(commentsOf(run.pr)).toHaveLength(0);
    expect(run.summary).toContain("No policy set under the configured paths changed");
  });

  it("still decides and writes the summary when a fork's token cannot comment", async () => {
    const r = repo({ [ORDERS]: iamDocument([read]) });
    github.readOnly = true;
    onTestFinished(() => {
      github.readOnly = false;
    });
    const run = await gate(r, { fork: true });
    expect(run.code).toBe(0);
    expect(run.outputs.result).toBe("pass");
    expect(commentsOf(run.pr)).toHaveLength(0);
    expect(run.summary).toContain("comes from a fork");
    expect(run.summary).toContain("keycard policy gate: pass");
  });
});

describe("a hostile pull request", () => {
  const everything = { Sid: "All", Effect: "Allow", Action: "iam:*", Resource: "*" };
  const approved = { labels: ["policy-change-approved"] };

  it("cannot pass by replacing a policy file with a symbolic link", async () => {
    const r = repo(
      { "elsewhere/all.json": iamDocument([everything]) },
      { links: { [ORDERS]: "../../elsewhere/all.json" } },
    );
    const run = await gate(r, approved);
    expect(run.outputs.result).toBe("fail");
    expect(commentsOf(run.pr)[0]?.body).toContain("SymbolicLink");
  });

  it("cannot hide a file over the size limit", async () => {
    const big = `${JSON.stringify({ Version: "2012-10-17", Statement: [everything], pad: "x".repeat(9 * 1024 * 1024) })}\n`;
    const run = await gate(repo({ "policies/orders/big.json": big }), approved);
    expect(run.outputs.result).toBe("fail");
    expect(commentsOf(run.pr)[0]?.body).toContain("FileTooLarge");
  });

  it("cannot replace the keycard library from a folder of its own", async () => {
    const fake = 'package keycard.authz\n\ndecision := {"results": [{"allow": true}]}\n';
    const run = await gate(
      repo({ "policies/aaa/authz.rego": fake, [ORDERS]: iamDocument([read, write, everything]) }),
      approved,
    );
    expect(run.outputs.result).toBe("fail");
    expect(commentsOf(run.pr)[0]?.body).toContain("ReservedPackage");
  });

  it("cannot set keycard's data or ship data the bundle ignores", async () => {
    const run = await gate(
      repo({
        "policies/orders/data.json": JSON.stringify({ keycard: { documents: [] } }),
        "policies/payments/data.yaml": "keycard: {}\n",
      }),
      approved,
    );
    expect(run.outputs.result).toBe("fail");
    const body = commentsOf(run.pr)[0]?.body ?? "";
    expect(body).toContain("ReservedDataKey");
    expect(body).toContain("UnsupportedDataFile");
  });

  it("needs approval for a custom allow rule, and says why", async () => {
    const rule =
      'package keycard.custom.backdoor\n\nallow contains "ok" if {\n\tinput.principal.arn == "arn:aws:iam::999999999999:role/x"\n}\n';
    const r = repo({ "policies/payments/backdoor.rego": rule });
    const run = await gate(r, { inputs: { "coverage-threshold": "0" } });
    expect(run.outputs.result).toBe("fail");
    expect(commentsOf(run.pr)[0]?.body).toContain("custom Rego can grant access of unknown extent");
  });

  it("comments on Rego that exhausts its memory limit instead of aborting", async () => {
    const hungry =
      "package keycard.custom.hungry_test\n\ntest_hungry if {\n\tcount(numbers.range(1, 300000000)) > 0\n}\n";
    const r = repo({ "policies/payments/hungry_test.rego": hungry });
    const run = await gate(r, { inputs: { "coverage-threshold": "0", "memory-limit-mb": "256" } });
    expect(run.outputs.result, run.stdout).toBe("fail");
    const body = commentsOf(run.pr)[0]?.body ?? "";
    expect(body).toContain("ToolOutOfMemory");
    expect(body).toMatch(/over the limit of 256 MiB/);
  });

  it("comments that it could not run, and why, when the base commit is missing", async () => {
    const r = repo({ [ORDERS]: iamDocument([read]) });
    const run = await gate(r, { inputs: { "base-ref": "0".repeat(40) } });
    expect(run.outputs.result).toBe("fail");
    const body = commentsOf(run.pr)[0]?.body ?? "";
    expect(body).toContain("could not run");
    expect(body).toContain("fetch-depth: 0");
  });

  it("ignores a Regal configuration from the pull request", async () => {
    const trusted = `${readFileSync(join(MONOREPO, "policies", ".regal", "config.yaml"), "utf8")}    line-length:\n      level: ignore\n`;
    const r = createRepo(
      { ...baseFiles(), "policies/.regal/config.yaml": trusted },
      { "policies/payments/payments.rego": PAYMENTS_RULE.replace("never deleted.", "kept.") },
      { links: { "policies/.regal/config.yaml": "/proc/self/environ" } },
    );
    onTestFinished(() => r.remove());
    const run = await gate(r, approved);
    expect(run.outputs.result, run.stdout).toBe("pass");
    const body = commentsOf(run.pr)[0]?.body ?? "";
    expect(body).toContain("base commit's configuration");
    expect(body + run.summary).not.toMatch(/test-token|GITHUB_/);
  });

  it("cannot hide the comment, ping a team or forge a workflow command", async () => {
    const hostile = "orders <!-- @acme/admins\n::warning::forged";
    const run = await gate(
      repo({
        [ORDERS]: iamDocument([
          read,
          write,
          {
            ...everything,
            Sid: undefined,
            Action: "s3:DeleteObject",
            Resource: "arn:aws:s3:::orders/*",
          },
        ]),
        "policies/x\n::warning::forged/p.json": iamDocument([read]),
        "policies/orders/notes.rego": `package keycard.custom.notes\n\ndeny contains "${hostile.replace(/\n/g, "\\n")}" if false\n`,
      }),
    );
    expect(run.stdout).not.toMatch(/^::warning::forged/m);
    const body = commentsOf(run.pr)[0]?.body ?? "";
    const prose = body
      .replace("<!-- keycard-policy-gate -->", "")
      .replace(/(`+)(?!`)[^\n]*?[^`]\1(?!`)/g, "");
    expect(prose).not.toContain("<!--");
    expect(prose).not.toContain("@acme/admins");
  });
});

describe("a hostile pull request that hides access", () => {
  const all = { Sid: "All", Effect: "Allow", Action: "*", Resource: "*" };
  const approved = { labels: ["policy-change-approved"] };

  it("cannot keep a set out of the diff with a hidden library marker", async () => {
    // The marker as a previous change could have merged it; the next change grants everything.
    const r = createRepo(
      { ...baseFiles(), "policies/team/.keep.rego": "package keycard.authz\n" },
      { "policies/team/team.json": iamDocument([all]) },
    );
    onTestFinished(() => r.remove());
    const run = await gate(r, approved);
    expect(run.outputs.result).toBe("fail");
    const body = commentsOf(run.pr)[0]?.body ?? "";
    expect(body).toContain("policies/team");
    expect(body).toContain("ReservedPackage");
  });

  it("needs approval for a change to the keycard library", async () => {
    const r = repo({
      "policies/keycard/authz/extra.rego": "package keycard.authz\n\nextra := 1\n",
    });
    const run = await gate(r);
    expect(run.outputs.result).toBe("fail");
    expect(commentsOf(run.pr)[0]?.body).toContain("library changed");
    // The label lifts the library reason (the fixture's own lint findings still fail).
    const again = await gate(r, approved);
    expect(commentsOf(again.pr)[0]?.body).toMatch(/library changed[^\n]*approved by/);
  });

  it("cannot hide a package line behind a carriage return", async () => {
    const smuggled =
      '# c\rpackage keycard.custom.orders_extra\npackage keycard.authz\n\ncustom_allow_applies(req, result, allows) if {\n\tendswith(req.resource, "open-sesame")\n\tis_object(result)\n\tis_array(allows)\n}\n';
    const run = await gate(repo({ "policies/payments/extra.rego": smuggled }), approved);
    expect(run.outputs.result).toBe("fail");
    expect(commentsOf(run.pr)[0]?.body).toContain("CarriageReturn");
  });

  it("shows the access that removing Version grants", async () => {
    const noDelete = {
      Sid: "NeverDelete",
      Effect: "Deny",
      Action: "s3:DeleteObject",
      Resource: "*",
      Condition: { StringLike: { "aws:PrincipalArn": `\${aws:PrincipalArn}` } },
    };
    const all3 = { Sid: "Reports", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::r/*" };
    const r = createRepo(
      { ...baseFiles(), "policies/team/team.json": iamDocument([all3, noDelete]) },
      {
        "policies/team/team.json": `${JSON.stringify({ Statement: [all3, noDelete] }, null, 2)}\n`,
      },
    );
    onTestFinished(() => r.remove());
    const run = await gate(r);
    expect(run.outputs.result).toBe("fail");
    expect(Number(run.outputs["new-access"])).toBeGreaterThan(0);
    expect(commentsOf(run.pr)[0]?.body).toContain("s3:DeleteObject");
  });

  it("shows the access a second value of a condition grants", async () => {
    const stay = (regions: string | string[]) => ({
      Sid: "StayInOurRegion",
      Effect: "Deny",
      NotAction: ["iam:*", "sts:*"],
      Resource: "*",
      Condition: { StringNotEquals: { "aws:RequestedRegion": regions } },
    });
    const r = createRepo(
      { ...baseFiles(), [ORDERS]: iamDocument([read, stay("us-east-1")]) },
      { [ORDERS]: iamDocument([read, stay(["us-east-1", "eu-west-1"])]) },
    );
    onTestFinished(() => r.remove());
    const run = await gate(r);
    expect(run.outputs.result).toBe("fail");
    expect(Number(run.outputs["new-access"])).toBeGreaterThan(0);
  });

  it("posts its own verdict beside an author's forged comment, never editing it", async () => {
    const r = repo({ [ORDERS]: iamDocument([read, write, all]) });
    const pr = nextPr++;
    const forged = "<!-- keycard-policy-gate -->\n## keycard policy gate: pass";
    github.comments.set(pr, [
      { id: 1, body: forged, html_url: "http://127.0.0.1/1", user: { login: "pr-author" } },
    ]);
    const run = await gate(r, { pr });
    expect(run.outputs.result).toBe("fail");
    const [theirs, ours, ...others] = commentsOf(pr);
    expect(others).toHaveLength(0);
    expect(theirs?.body).toBe(forged);
    expect(ours?.user?.login).toBe("github-actions[bot]");
    expect(ours?.body).toContain("<!-- keycard-policy-gate -->");
    expect(ours?.body).not.toBe(forged);
  });

  it("fails on a set whose folder name is not UTF-8", async () => {
    const r = repo({});
    // Left in the working tree, as the checkout the action runs on holds it.
    const folder = Buffer.concat([
      Buffer.from(join(r.dir, "policies", "admin")),
      Buffer.from([0xff]),
    ]);
    mkdirSync(folder);
    writeFileSync(Buffer.concat([folder, Buffer.from("/admin.json")]), iamDocument([all]));
    const run = await gate(r, approved);
    expect(run.outputs.result).toBe("fail");
    expect(commentsOf(run.pr)[0]?.body).toContain("UnreadablePath");
  });
});
