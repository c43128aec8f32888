import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadPolicy, type Policy, PolicyLoadError } from "./index.js";
import { buildBundle, makeTempDir } from "./test-utils/opa.js";

const temp = makeTempDir("keycard-bundle-");
afterAll(temp.cleanup);

/** A fresh directory under the suite's temporary directory. */
function subdir(name: string): string {
  const dir = join(temp.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const ordersRules = `package keycard.custom.orders

# Deletes need a change ticket, whatever the IAM policies say.
deny contains "s3:DeleteObject needs a change ticket" if {
	input.request.action == "s3:DeleteObject"
	not input.request.context["orders:ticket"]
}

deny contains msg if {
	not input.region in data.orders.regions
	msg := sprintf("region %s is not one of the approved regions", [input.region])
}

# On-call engineers may read the audit log, which no IAM policy grants.
allow contains "on-call engineers read the audit log" if {
	input.request.action == "s3:GetObject"
	startswith(input.request.resource, "arn:aws:s3:::audit/")
	input.principal.tags.oncall == "true"
}
`;

const securityRules = `package keycard.custom.security

deny contains "the IAM policies deny this explicitly" if input.iam.explicit_deny
`;

// Two complete definitions that disagree when both keys are present: a runtime conflict.
const brokenRules = `package keycard.custom.broken

deny contains reason if reason := choice

choice := "a" if input.request.context["broken:a"]

choice := "b" if input.request.context["broken:b"]
`;

const documents = [
  {
    name: "orders.json",
    document: {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "Orders",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:DeleteObject"],
          Resource: "arn:aws:s3:::orders/*",
        },
        { Sid: "Locked", Effect: "Deny", Action: "s3:*", Resource: "arn:aws:s3:::audit/locked/*" },
      ],
    },
  },
  {
    name: "cap.json",
    boundary: true,
    document: {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:Get*", Resource: "*" },
    },
  },
];

describe("bundles with custom rules", () => {
  let policy: Policy;
  let bundlePath: string;

  beforeAll(async () => {
    bundlePath = buildBundle(subdir("custom"), {
      modules: {
        "orders.rego": ordersRules,
        "security.rego": securityRules,
        "broken.rego": brokenRules,
      },
      data: { keycard: { documents }, orders: { regions: ["eu-west-1", "eu-central-1"] } },
    });
    policy = await loadPolicy({ bundle: bundlePath, checkActions: false });
  }, 60_000);

  const oncall = { arn: "arn:aws:iam::111122223333:role/oncall", tags: { oncall: "true" } };

  it("loads the bundle's documents, boundary included", () => {
    expect(policy.source).toBe("bundle");
    // Custom rules may read any part of the input: only identical inputs reuse a decision.
    expect(policy.stats().decisionReuse).toBe("exact-input");
    expect(policy.documents).toEqual(["orders.json", "cap.json"]);
    expect(policy.statementCount).toBe(3);
  });

  it("evaluates the IAM documents as usual", () => {
    const d = policy.evaluate({
      region: "eu-west-1",
      requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::orders/a" }],
    });
    expect(d.allow).toBe(true);
    expect(d.requests[0]?.reason).toBe("allowed by orders.json statement 0 (Orders)");
  });

  it("a custom deny wins, with its reason", () => {
    const d = policy.evaluate({
      region: "eu-west-1",
      requests: [{ action: "s3:DeleteObject", resource: "arn:aws:s3:::orders/a" }],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toBe(
      "denied by custom rule: s3:DeleteObject needs a change ticket",
    );
    expect(d.requests[0]?.customDenies).toEqual(["s3:DeleteObject needs a change ticket"]);
  });

  it("custom rules read the bundle's data, the region and every request's context", () => {
    const d = policy.evaluate({
      region: "us-east-1",
      requests: [
        { action: "s3:GetObject", resource: "arn:aws:s3:::orders/a" },
        {
          action: "s3:DeleteObject",
          resource: "arn:aws:s3:::orders/a",
          context: { "orders:ticket": "CHG-1" },
        },
      ],
    });
    expect(d.requests.map((r) => r.customDenies)).toEqual([
      ["region us-east-1 is not one of the approved regions"],
      ["region us-east-1 is not one of the approved regions"],
    ]);
    const approved = policy.evaluate({
      region: "eu-central-1",
      requests: [
        {
          action: "s3:DeleteObject",
          resource: "arn:aws:s3:::orders/a",
          context: { "orders:ticket": "CHG-1" },
        },
      ],
    });
    // No custom deny; the boundary only allows s3:Get*.
    expect(approved.requests[0]?.customDenies).toEqual([]);
    expect(approved.requests[0]?.reason).toMatch(/^denied by the permissions boundary/);
  });

  it("custom denies from several modules are all reported", () => {
    const d = policy.evaluate({
      region: "ap-south-1",
      requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::audit/locked/x" }],
    });
    expect(d.requests[0]?.reason).toBe(
      "denied by custom rule: region ap-south-1 is not one of the approved regions; the IAM policies deny this explicitly",
    );
  });

  it("a custom allow grants what the IAM policies do not", () => {
    const d = policy.evaluate({
      principal: oncall,
      region: "eu-west-1",
      requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::audit/2026/a" }],
    });
    expect(d.allow).toBe(true);
    expect(d.requests[0]?.reason).toBe(
      "allowed by custom rule: on-call engineers read the audit log",
    );
    expect(d.requests[0]?.customAllows).toEqual(["on-call engineers read the audit log"]);
  });

  it("a custom allow does not override an explicit deny", () => {
    const d = policy.evaluate({
      principal: oncall,
      region: "eu-west-1",
      requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::audit/locked/a" }],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toBe(
      "denied by custom rule: the IAM policies deny this explicitly",
    );
  });

  it("a custom rule that fails at evaluation denies every request instead of throwing", () => {
    const request = { action: "s3:GetObject", resource: "arn:aws:s3:::orders/a" };
    const broken = { ...request, context: { "broken:a": true, "broken:b": true } };
    const d = policy.evaluate({ region: "eu-west-1", requests: [request, broken] });
    expect(d.allow).toBe(false);
    expect(d.requests.map((r) => r.allow)).toEqual([false, false]);
    expect(d.requests[0]?.reason).toMatch(/^cannot evaluate: /);
    const single = policy.evaluate({
      region: "eu-west-1",
      requests: [{ ...request, context: { "broken:a": true } }],
    });
    expect(single.requests[0]?.reason).toBe("denied by custom rule: a");
  });

  it("loads the same bundle from bytes, with more documents passed directly", async () => {
    const fromBytes = await loadPolicy({
      bundle: new Uint8Array(readFileSync(bundlePath)),
      iam: [
        {
          name: "extra.json",
          document: {
            Version: "2012-10-17",
            Statement: { Effect: "Allow", Action: "s3:GetObjectTagging", Resource: "*" },
          },
        },
      ],
      checkActions: false,
    });
    expect(fromBytes.documents).toEqual(["extra.json", "orders.json", "cap.json"]);
    const d = fromBytes.evaluate({
      region: "eu-west-1",
      requests: [{ action: "s3:GetObjectTagging", resource: "arn:aws:s3:::x/y" }],
    });
    expect(d.requests[0]?.reason).toBe("allowed by extra.json statement 0");
  });
});

describe("custom rules that call built-in functions implemented in JavaScript", () => {
  it("are evaluated through opa-wasm, which provides them", async () => {
    const formatted = `package keycard.custom.formatted

deny contains sprintf("%s may not be deleted", [input.request.resource]) if {
	input.request.action == "s3:DeleteObject"
}
`;
    const bundle = buildBundle(subdir("builtins"), {
      modules: { "formatted.rego": formatted },
      data: { keycard: { documents: [documents[0]] } },
    });
    const policy = await loadPolicy({ bundle, checkActions: false });
    const d = policy.evaluate({
      requests: [{ action: "s3:DeleteObject", resource: "arn:aws:s3:::a/b" }],
    });
    expect(d.requests[0]?.customDenies).toEqual(["arn:aws:s3:::a/b may not be deleted"]);
  }, 60_000);
});

describe("a custom allow still needs the permissions boundary", () => {
  it("denies when the boundary does not allow the action", async () => {
    const grantAll = `package keycard.custom.grant

allow contains "granted" if input.request.context["grant:me"]
`;
    const bundle = buildBundle(subdir("boundary"), {
      modules: { "grant.rego": grantAll },
      data: { keycard: { documents: [documents[1]] } },
    });
    const policy = await loadPolicy({ bundle, checkActions: false });
    const d = policy.evaluate({
      requests: [
        { action: "s3:GetObject", resource: "arn:aws:s3:::a/b", context: { "grant:me": true } },
        { action: "s3:PutObject", resource: "arn:aws:s3:::a/b", context: { "grant:me": true } },
      ],
    });
    expect(d.requests.map((r) => [r.allow, r.reason])).toEqual([
      [true, "allowed by custom rule: granted"],
      [
        false,
        "implicitly denied: no statement allows s3:PutObject on arn:aws:s3:::a/b, and the permissions boundary does not allow it either",
      ],
    ]);
  }, 60_000);
});

describe("invalid bundles", () => {
  async function loadError(bundle: string | Uint8Array): Promise<PolicyLoadError> {
    const error = await loadPolicy({ bundle }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyLoadError);
    expect((error as PolicyLoadError).name).toBe("PolicyLoadError");
    return error as PolicyLoadError;
  }

  /** A gzip-compressed tar of `files`, made with the system tar. */
  function tarGz(name: string, files: Record<string, string | Uint8Array>): string {
    const dir = subdir(name);
    const content = join(dir, "content");
    mkdirSync(content);
    for (const [file, body] of Object.entries(files)) writeFileSync(join(content, file), body);
    const out = join(dir, "bundle.tar.gz");
    execFileSync("tar", ["-czf", out, "-C", content, ...Object.keys(files)]);
    return out;
  }

  it("a missing file", async () => {
    const error = await loadError(join(temp.dir, "nowhere.tar.gz"));
    expect(error.code).toBe("InvalidBundle");
    expect(error.message).toContain("cannot read bundle");
  });

  it("bytes that are not gzip", async () => {
    const error = await loadError(new TextEncoder().encode("this is not a bundle"));
    expect(error.code).toBe("InvalidBundle");
    expect(error.message).toContain("not a gzip-compressed tar bundle");
  });

  it("gzip that is not a tar archive", async () => {
    const error = await loadError(gzipSync(new TextEncoder().encode("plain text, no tar headers")));
    expect(error.code).toBe("InvalidBundle");
  });

  it("a bundle without policy.wasm", async () => {
    const error = await loadError(tarGz("no-wasm", { "data.json": "{}" }));
    expect(error.code).toBe("InvalidBundle");
    expect(error.message).toContain("has no policy.wasm");
  });

  it("a policy.wasm that is not WebAssembly", async () => {
    const error = await loadError(tarGz("bad-wasm", { "policy.wasm": "not wasm at all" }));
    expect(error.code).toBe("WasmLoadFailed");
    expect(error.cause).toBeInstanceOf(Error);
  });

  it("a wasm module without the keycard decision entrypoint", async () => {
    const bundle = buildBundle(subdir("other-entrypoint"), {
      modules: { "other.rego": "package other\n\nallow := true\n" },
      entrypoint: "other/allow",
      withoutLibrary: true,
    });
    const error = await loadError(bundle);
    expect(error.code).toBe("InvalidBundle");
    expect(error.message).toContain('no "keycard/authz/decision" entrypoint');
    expect(error.message).toContain("other/allow");
  }, 60_000);

  it("a data.json that is not JSON", async () => {
    const wasm = readFileSync(new URL("../wasm/keycard.wasm", import.meta.url));
    const error = await loadError(
      tarGz("bad-data", { "policy.wasm": wasm, "data.json": "{ nope" }),
    );
    expect(error.code).toBe("MalformedDocument");
    expect(error.location?.document).toMatch(/data\.json$/);
  });

  it("an invalid document inside the bundle names it", async () => {
    const wasm = readFileSync(new URL("../wasm/keycard.wasm", import.meta.url));
    const data = {
      keycard: {
        documents: [
          {
            name: "team.json",
            document: { Statement: { Effect: "Allow", Action: "s3", Resource: "*" } },
          },
        ],
      },
    };
    const error = await loadError(
      tarGz("bad-document", { "policy.wasm": wasm, "data.json": JSON.stringify(data) }),
    );
    expect(error.code).toBe("InvalidAction");
    expect(error.location).toEqual({ document: "team.json", statementIndex: 0, element: "Action" });
  });
});

describe("custom rules and partly known requests", () => {
  const allowAll = {
    name: "all.json",
    document: {
      Version: "2012-10-17",
      Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" },
    },
  };
  // The rule reads the resource text, so it cannot see an unknown bucket.
  const secretRule = `package keycard.custom.secrets

deny contains "the secret bucket is off limits" if {
	startswith(input.request.resource, "arn:aws:s3:::secret/")
}
`;
  const unknownBucket = {
    action: "s3:GetObject",
    resource: "arn:aws:s3:::*/k",
    resourceParts: ["arn:aws:s3:::", { unknown: "bucket" }, "/k"],
  };

  it("a module that does not declare decides_unknown denies a partly known request", async () => {
    const bundle = buildBundle(subdir("undeclared"), {
      modules: { "secrets.rego": secretRule },
      data: { keycard: { documents: [allowAll] } },
    });
    const policy = await loadPolicy({ bundle, checkActions: false });
    const d = policy.evaluate({ requests: [unknownBucket] });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toContain(
      "keycard.custom.secrets does not declare decides_unknown",
    );
    expect(d.requests[0]?.reason).toContain("unknown before the call: bucket");
    // Fully known requests are decided by the rules as before.
    const known = policy.evaluate({
      requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::public/k" }],
    });
    expect(known.allow).toBe(true);
  });

  it("a module that declares it sees input.request.unknown and decides", async () => {
    const declared = `${secretRule}
decides_unknown := true

deny contains "the bucket must be known" if count(input.request.unknown) > 0
`;
    const bundle = buildBundle(subdir("declared"), {
      modules: { "secrets.rego": declared },
      data: { keycard: { documents: [allowAll] } },
    });
    const policy = await loadPolicy({ bundle, checkActions: false });
    const d = policy.evaluate({ requests: [unknownBucket] });
    expect(d.requests[0]?.customDenies).toEqual(["the bucket must be known"]);
  });
});
