import { describe, expect, it } from "vitest";
import { PolicyLoadError } from "./errors.js";
import { loadPolicy } from "./load-policy.js";
import { wasmInput } from "./partial-requests.js";
import type { PolicyStatement } from "./policy-document.js";
import { Picker } from "./test-utils/picker.js";
import type { AuthorizationRequest, EvaluationInput, PrincipalInfo } from "./types.js";

const ACCOUNT = "123456789012";
const USERS = `arn:aws:iam::${ACCOUNT}:user/`;
const PATH = { unknown: "IAM user path" };

function doc(...Statement: PolicyStatement[]) {
  return { name: "p.json", document: { Version: "2012-10-17" as const, Statement } };
}

async function load(statements: PolicyStatement[], extra = {}) {
  return loadPolicy({ iam: [doc(...statements)], checkActions: false, ...extra });
}

/** `CreateAccessKey {UserName: "admin"}`: the user's path is unknown before the call. */
const createKeyForAdmin: AuthorizationRequest = {
  action: "iam:CreateAccessKey",
  resource: `${USERS}*admin`,
  resourceParts: [USERS, PATH, "admin"],
};

const allowIam: PolicyStatement = { Effect: "Allow", Action: "iam:*", Resource: "*" };

describe("unknown resource parts", () => {
  it("a Deny whose pattern covers every value is an explicit deny", async () => {
    const policy = await load([
      allowIam,
      { Effect: "Deny", Action: "iam:*", Resource: `${USERS}*admin*` },
    ]);
    const d = policy.evaluate({ requests: [createKeyForAdmin] }).requests[0];
    expect(d?.allow).toBe(false);
    expect(d?.reason).toBe("explicitly denied by p.json statement 1");
  });

  it.each([`${USERS}admin`, `${USERS}adm?n`, `${USERS}*/admin`])(
    "a Deny on %s applies when the path is unknown",
    async (denied) => {
      const policy = await load([allowIam, { Effect: "Deny", Action: "iam:*", Resource: denied }]);
      const d = policy.evaluate({ requests: [createKeyForAdmin] }).requests[0];
      expect(d?.allow).toBe(false);
      expect(d?.explicitDeny).toBe(true);
      expect(d?.reason).toContain("unknown before the call: IAM user path");
      expect(d?.unknown).toEqual(["IAM user path"]);
    },
  );

  it("a Deny that cannot match any value does not apply", async () => {
    const policy = await load([
      allowIam,
      { Effect: "Deny", Action: "iam:*", Resource: `${USERS}bob` },
      { Effect: "Deny", Action: "iam:*", Resource: `arn:aws:iam::${ACCOUNT}:role/*` },
    ]);
    const d = policy.evaluate({ requests: [createKeyForAdmin] }).requests[0];
    expect(d?.allow).toBe(true);
  });

  it("an Allow applies only when its pattern covers every value", async () => {
    const wide = await load([{ Effect: "Allow", Action: "iam:*", Resource: `${USERS}*` }]);
    expect(wide.evaluate({ requests: [createKeyForAdmin] }).allow).toBe(true);
    const narrow = await load([{ Effect: "Allow", Action: "iam:*", Resource: `${USERS}admin` }]);
    const d = narrow.evaluate({ requests: [createKeyForAdmin] }).requests[0];
    expect(d?.allow).toBe(false);
    expect(d?.reason).toContain("could allow, but it depends on what is unknown");
    // `?` stands for one character; an unknown part may be none or many.
    const one = await load([{ Effect: "Allow", Action: "iam:*", Resource: `${USERS}?admin` }]);
    expect(one.evaluate({ requests: [createKeyForAdmin] }).allow).toBe(false);
  });

  it("an Allow with NotResource does not allow what its exclusion may match", async () => {
    const policy = await load([{ Effect: "Allow", Action: "iam:*", NotResource: `${USERS}admin` }]);
    expect(policy.evaluate({ requests: [createKeyForAdmin] }).allow).toBe(false);
    const other = await load([{ Effect: "Allow", Action: "iam:*", NotResource: `${USERS}bob` }]);
    expect(other.evaluate({ requests: [createKeyForAdmin] }).allow).toBe(true);
  });

  it("a Deny with NotResource applies unless an exclusion covers every value", async () => {
    const policy = await load([
      allowIam,
      { Effect: "Deny", Action: "iam:*", NotResource: `${USERS}admin` },
    ]);
    expect(policy.evaluate({ requests: [createKeyForAdmin] }).allow).toBe(false);
    const covering = await load([
      allowIam,
      { Effect: "Deny", Action: "iam:*", NotResource: `${USERS}*` },
    ]);
    expect(covering.evaluate({ requests: [createKeyForAdmin] }).allow).toBe(true);
  });

  it("a literal * in known text is an ordinary character, not an unknown part", async () => {
    const policy = await load([
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
      { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/secret" },
    ]);
    const d = policy.evaluate({
      requests: [
        {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::b/*",
          resourceParts: ["arn:aws:s3:::b/*"],
        },
      ],
    });
    expect(d.allow).toBe(true);
  });

  it("reserved characters are refused in policies and in known text", async () => {
    await expect(
      load([{ Effect: "Allow", Action: "iam:*", Resource: `${USERS}\uE000` }]),
    ).rejects.toMatchObject({ name: "PolicyLoadError", code: "InvalidArn" });
    await expect(
      load([{ Effect: "Allow", Action: "iam:*", Resource: `${USERS}\uE000` }]),
    ).rejects.toBeInstanceOf(PolicyLoadError);
    const policy = await load([allowIam]);
    const d = policy.evaluate({
      requests: [
        { action: "iam:GetUser", resource: USERS, resourceParts: [`${USERS}\uE000`, PATH] },
      ],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toContain("U+E000");
    const malformed = policy.evaluate({
      requests: [
        { action: "iam:GetUser", resource: USERS, resourceParts: [USERS, { unknown: "" }] },
      ],
    });
    expect(malformed.allow).toBe(false);
  });
});

describe("condition keys known only to AWS", () => {
  const denyProd: PolicyStatement = {
    Effect: "Deny",
    Action: "s3:*",
    Resource: "*",
    Condition: { StringEquals: { "aws:ResourceTag/env": "prod" } },
  };
  const allowS3: PolicyStatement = { Effect: "Allow", Action: "s3:*", Resource: "*" };
  const get = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };

  it("a Deny on aws:ResourceTag applies when the request cannot carry the tag", async () => {
    const policy = await load([allowS3, denyProd]);
    const d = policy.evaluate({ requests: [get] }).requests[0];
    expect(d?.allow).toBe(false);
    expect(d?.reason).toContain("unknown before the call: aws:ResourceTag/env");
    // A request that does carry the key is decided on it.
    const known = policy.evaluate({
      requests: [{ ...get, context: { "aws:ResourceTag/env": "dev" } }],
    });
    expect(known.allow).toBe(true);
  });

  it("warns at load, naming the statement and the key", async () => {
    const policy = await load([allowS3, denyProd]);
    expect(policy.warnings).toEqual([
      expect.objectContaining({
        code: "UnknowableConditionKey",
        keys: ["aws:ResourceTag/env"],
        location: { document: "p.json", statementIndex: 1, element: "Condition" },
      }),
    ]);
  });

  it("assumeUnknown reads a key as absent when the user accepts the risk", async () => {
    const policy = await load([allowS3, denyProd], {
      assumeUnknown: { "aws:ResourceTag/*": "absent" },
    });
    expect(policy.evaluate({ requests: [get] }).allow).toBe(true);
    expect(policy.warnings).toEqual([]);
  });

  it("an Allow that depends on an unknown key does not allow", async () => {
    const policy = await load([
      {
        Effect: "Allow",
        Action: "s3:*",
        Resource: "*",
        Condition: { StringNotEquals: { "s3:ExistingObjectTag/classification": "secret" } },
      },
    ]);
    const d = policy.evaluate({ requests: [get] }).requests[0];
    expect(d?.allow).toBe(false);
    expect(d?.conditionFailures?.[0]).toMatchObject({
      key: "s3:ExistingObjectTag/classification",
      unknown: true,
    });
  });

  it("ForAllValues over a key the mapping could not compute does not allow every value", async () => {
    const policy = await load([
      {
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: "*",
        Condition: {
          "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": "${aws:userid}" },
        },
      },
    ]);
    const principal = { arn: `arn:aws:iam::${ACCOUNT}:user/u`, userId: "AIDAEXAMPLE" };
    const request = {
      action: "dynamodb:GetItem",
      resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/t`,
    };
    const unknown = policy.evaluate({
      principal,
      requests: [{ ...request, unknownContext: ["dynamodb:LeadingKeys"] }],
    });
    expect(unknown.allow).toBe(false);
    const mine = policy.evaluate({
      principal,
      requests: [{ ...request, context: { "dynamodb:LeadingKeys": ["AIDAEXAMPLE"] } }],
    });
    expect(mine.allow).toBe(true);
  });
});

describe("a family of unknown keys", () => {
  const allowKms: PolicyStatement = { Effect: "Allow", Action: "kms:*", Resource: "*" };
  const denyPayroll: PolicyStatement = {
    Effect: "Deny",
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: { StringEquals: { "kms:EncryptionContext:Department": "payroll" } },
  };
  const decrypt = {
    action: "kms:Decrypt",
    resource: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`,
  };

  it("an entry ending in * makes every key of the family unknown: the Deny applies", async () => {
    const policy = await load([allowKms, denyPayroll]);
    const d = policy.evaluate({
      requests: [{ ...decrypt, unknownContext: ["kms:EncryptionContext:*"] }],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toContain("kms:EncryptionContext:Department");
  });

  it("a key of the family given in the context is decided by its value", async () => {
    const policy = await load([allowKms, denyPayroll]);
    const d = policy.evaluate({
      requests: [
        {
          ...decrypt,
          context: { "kms:EncryptionContext:Department": "sales" },
          unknownContext: ["kms:EncryptionContext:*"],
        },
      ],
    });
    expect(d.allow).toBe(true);
  });

  it("a family leaves keys outside it alone", async () => {
    const policy = await load([allowKms, denyPayroll]);
    const d = policy.evaluate({ requests: [{ ...decrypt, unknownContext: ["kms:Grant*"] }] });
    expect(d.allow).toBe(true);
  });
});

describe("assumeUnknown and the keys a request lists as unknown", () => {
  const allowS3: PolicyStatement = { Effect: "Allow", Action: "s3:*", Resource: "*" };
  const denyOldTls: PolicyStatement = {
    Effect: "Deny",
    Action: "s3:*",
    Resource: "*",
    Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
  };
  const put = {
    action: "s3:PutObject",
    resource: "arn:aws:s3:::b/k",
    unknownContext: ["s3:TlsVersion", "s3:signatureAge"],
  };

  it("a listed key is unknown: the Deny on it applies", async () => {
    const policy = await load([allowS3, denyOldTls]);
    expect(policy.evaluate({ requests: [put] }).allow).toBe(false);
  });

  it("keys no statement reads change nothing: the request is decided as fully known", async () => {
    const policy = await load([allowS3]);
    const d = policy.evaluate({
      requests: [{ ...put, unknownContext: [...put.unknownContext, "kms:EncryptionContext:*"] }],
    });
    expect(d.allow).toBe(true);
    expect(d.requests[0]?.unknown ?? []).toEqual([]);
  });

  it("reuse survives more lists in rotation than are remembered: a set's id follows its content", async () => {
    const policy = await load([allowS3, denyOldTls]);
    const lists = Array.from({ length: 80 }, (_, i) => ["s3:TlsVersion", `s3:other${i}`]);
    for (let round = 0; round < 2; round++)
      for (const unknownContext of lists)
        policy.evaluate({
          requests: [{ action: "s3:PutObject", resource: "arn:aws:s3:::b/k", unknownContext }],
        });
    // The second round is answered from the first: every list's set is the same content.
    expect(policy.stats().reusedDecisions).toBeGreaterThanOrEqual(159);
  });

  it("an unknownContext that is not a list is refused, whatever else the request carries", async () => {
    const policy = await load([
      allowS3,
      {
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
        Condition: {
          StringEquals: { "s3:x-amz-acl": "public-read" },
          NotIpAddressIfExists: { "aws:SourceIp": "10.0.0.0/8" },
        },
      },
    ]);
    const d = policy.evaluate({
      requests: [
        {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::b/k",
          context: { "aws:SourceIp": "not-an-ip" },
          unknownContext: "s3:x-amz-acl" as unknown as string[],
        },
      ],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toContain("unknownContext must be a list");
  });

  it("a key the loader assumes absent is absent even when the request lists it", async () => {
    const policy = await load([allowS3, denyOldTls], {
      assumeUnknown: { "S3:TLSVERSION": "absent" },
    });
    expect(policy.evaluate({ requests: [put] }).allow).toBe(true);
    const family = await load([allowS3, denyOldTls], { assumeUnknown: { "s3:*": "absent" } });
    expect(family.evaluate({ requests: [put] }).allow).toBe(true);
  });
});

describe("the caller", () => {
  const denyAdmins: PolicyStatement = {
    Effect: "Deny",
    Action: "s3:*",
    Resource: "*",
    Condition: { StringLike: { "aws:PrincipalArn": "*:role/contractor-*" } },
  };
  const get = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
  const allowS3: PolicyStatement = { Effect: "Allow", Action: "s3:*", Resource: "*" };

  it("a Deny keyed on the principal applies when the principal is unknown", async () => {
    const policy = await load([allowS3, denyAdmins]);
    const d = policy.evaluate({ requests: [get] }).requests[0];
    expect(d?.allow).toBe(false);
    expect(d?.reason).toContain("aws:PrincipalArn");
    const known = policy.evaluate({
      principal: { arn: `arn:aws:iam::${ACCOUNT}:role/orders` },
      requests: [get],
    });
    expect(known.allow).toBe(true);
  });

  it("a Resource with ${aws:username} allows nothing for an unknown caller and Deny applies", async () => {
    const home = await load([
      { Effect: "Allow", Action: "iam:*", Resource: `${USERS}\${aws:username}` },
    ]);
    const request = { action: "iam:GetUser", resource: `${USERS}alice` };
    expect(home.evaluate({ requests: [request] }).allow).toBe(false);
    expect(
      home.evaluate({ principal: { username: "alice", type: "User" }, requests: [request] }).allow,
    ).toBe(true);
    const deny = await load([
      allowIam,
      { Effect: "Deny", Action: "iam:*", Resource: `${USERS}\${aws:username}` },
    ]);
    expect(deny.evaluate({ requests: [request] }).allow).toBe(false);
    expect(
      deny.evaluate({ principal: { username: "bob", type: "User" }, requests: [request] }).allow,
    ).toBe(true);
  });

  it("principal tags are unknown unless given", async () => {
    const policy = await load([
      allowS3,
      {
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
        Condition: { StringEquals: { "aws:PrincipalTag/team": "contractors" } },
      },
    ]);
    const arn = `arn:aws:iam::${ACCOUNT}:role/orders`;
    expect(policy.evaluate({ principal: { arn }, requests: [get] }).allow).toBe(false);
    expect(policy.evaluate({ principal: { arn, tags: {} }, requests: [get] }).allow).toBe(true);
    expect(
      policy.evaluate({ principal: { arn, tags: { team: "contractors" } }, requests: [get] }).allow,
    ).toBe(false);
  });
});

describe("denials that fail on a condition", () => {
  it("name the condition and the value seen", async () => {
    const policy = await load([
      {
        Sid: "PrivateOnly",
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::b/*",
        Condition: { StringEquals: { "s3:x-amz-acl": "private" } },
      },
    ]);
    const d = policy.evaluate({
      requests: [
        {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::b/k",
          context: { "s3:x-amz-acl": "public-read" },
        },
      ],
    }).requests[0];
    expect(d?.allow).toBe(false);
    expect(d?.reason).toContain("PrivateOnly");
    expect(d?.reason).toContain("StringEquals s3:x-amz-acl");
    expect(d?.conditionFailures).toEqual([
      {
        statement: { document: "p.json", statementIndex: 0, sid: "PrivateOnly", effect: "Allow" },
        operator: "StringEquals",
        key: "s3:x-amz-acl",
        values: ["private"],
        seen: "public-read",
        unknown: false,
      },
    ]);
  });
});

// --- property: never allow what some concretisation denies -----------------------------

const LETTERS = ["a", "b", "/"];
const TAGS = [undefined, "prod", "dev"];
const NAMES = ["a", "b", "ab", "a/b"];

function randomPattern(r: Picker): string {
  if (r.chance(0.08)) return "*";
  if (r.chance(0.12)) return `${USERS}\${aws:username}${r.chance(0.5) ? "" : "*"}`;
  let tail = "";
  for (let i = r.int(5); i > 0; i--) tail += r.one([...LETTERS, "*", "?"]);
  return USERS + tail;
}

function randomStatement(r: Picker): PolicyStatement {
  const patterns = Array.from({ length: 1 + r.int(2) }, () => randomPattern(r));
  const statement: PolicyStatement = {
    Effect: r.chance(0.5) ? "Allow" : "Deny",
    Action: "iam:GetUser",
    ...(r.chance(0.7) ? { Resource: patterns } : { NotResource: patterns }),
  };
  if (r.chance(0.25)) {
    statement.Condition = r.chance(0.5)
      ? { StringEquals: { "aws:ResourceTag/env": "prod" } }
      : { StringNotEquals: { "aws:ResourceTag/env": "dev" } };
  }
  return statement;
}

type Part = string | { unknown: string };

function randomParts(r: Picker): Part[] {
  const parts: Part[] = [USERS];
  for (let i = 1 + r.int(4); i > 0; i--)
    parts.push(r.chance(0.35) ? { unknown: "hole" } : r.one(LETTERS));
  return parts;
}

function concretise(r: Picker, parts: Part[]): string {
  return parts
    .map((part) => {
      if (typeof part === "string") return part;
      let text = "";
      for (let i = r.int(4); i > 0; i--) text += r.one([...LETTERS, "*", "?", "x"]);
      return text;
    })
    .join("");
}

describe("property: partial knowledge never allows what a concretisation denies", () => {
  it("holds over 10,000 random cases", async () => {
    const r = new Picker(20261201);
    let cases = 0;
    let allowedPartial = 0;
    let deniedButAllAllowed = 0;
    const violations: string[] = [];
    while (cases < 10_000) {
      const statements = Array.from({ length: 1 + r.int(3) }, () => randomStatement(r));
      const policy = await loadPolicy({
        iam: [doc(...statements)],
        checkActions: false,
        cache: false,
      });
      for (let k = 0; k < 40; k++) {
        cases += 1;
        const parts = randomParts(r);
        const principalKnown = r.chance(0.7);
        const tagKnown = r.chance(0.3);
        const tag = r.one(TAGS);
        const username = r.one(NAMES);
        const principal: PrincipalInfo = { username, type: "User" };
        const context = tagKnown && tag !== undefined ? { "aws:ResourceTag/env": tag } : undefined;
        const partialInput: EvaluationInput = {
          ...(principalKnown ? { principal } : {}),
          requests: [
            {
              action: "iam:GetUser",
              resource: parts.map((p) => (typeof p === "string" ? p : "*")).join(""),
              resourceParts: parts,
              ...(context ? { context } : {}),
            },
          ],
        };
        const partial = policy.evaluate(partialInput);
        let someDenied = false;
        let someExplicitlyDenied = false;
        for (let sample = 0; sample < 6; sample++) {
          const concreteTag = tagKnown ? tag : r.one(TAGS);
          const concrete = policy.evaluate({
            principal: principalKnown ? principal : { username: r.one(NAMES), type: "User" },
            requests: [
              {
                action: "iam:GetUser",
                resource: concretise(r, parts),
                ...(concreteTag === undefined
                  ? {}
                  : { context: { "aws:ResourceTag/env": concreteTag } }),
              },
            ],
          });
          const decision = concrete.requests[0];
          if (!decision?.allow) someDenied = true;
          if (decision?.explicitDeny) someExplicitlyDenied = true;
          if (partial.allow && !decision?.allow && violations.length < 5) {
            violations.push(
              JSON.stringify({ statements, partialInput, concrete: concrete.requests[0] }),
            );
          }
        }
        if (partial.allow) allowedPartial += 1;
        if (someExplicitlyDenied && partial.allow && violations.length < 5)
          violations.push(JSON.stringify({ statements, partialInput, explicit: true }));
        if (!partial.allow && !someDenied) deniedButAllAllowed += 1;
      }
    }
    expect(violations).toEqual([]);
    // The price of soundness: requests keycard refuses although every sample was allowed.
    console.info(
      `partial knowledge: ${cases} cases, ${allowedPartial} allowed, ${deniedButAllAllowed} refused although every sampled concretisation was allowed (${((100 * deniedButAllAllowed) / cases).toFixed(1)} %)`,
    );
  }, 120_000);
});

describe("attacks on the description of unknowns", () => {
  const allowAll: PolicyStatement = { Effect: "Allow", Action: "*", Resource: "*" };
  const someKey = {
    action: "s3:GetObject",
    resource: "arn:aws:s3:::b/*",
    resourceParts: ["arn:aws:s3:::b/", { unknown: "object key" }],
  };

  it("a caller cannot set the library's internal fields on a request", async () => {
    const policy = await load([
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::public/*" },
      { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::secret/*" },
    ]);
    const forged = {
      action: "s3:GetObject",
      resource: "arn:aws:s3:::secret/x",
      rp: "arn:aws:s3:::public/x",
    } as AuthorizationRequest;
    const d = policy.evaluate({ requests: [forged] });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toContain('reserved field "rp"');
  });

  it("a variable whose value holds a reserved character covers nothing and excludes nothing", async () => {
    const principal = { arn: `arn:aws:iam::${ACCOUNT}:user/u`, username: "\uE000", type: "User" };
    const home = await load([
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/${aws:username}" },
    ]);
    expect(home.evaluate({ principal, requests: [someKey] }).allow).toBe(false);
    const exclusion = await load([
      allowAll,
      { Effect: "Deny", Action: "s3:*", NotResource: "arn:aws:s3:::b/${aws:username}" },
    ]);
    expect(exclusion.evaluate({ principal, requests: [someKey] }).allow).toBe(false);
  });

  it("a principal field given as null is unknown, not known", async () => {
    const policy = await load([
      allowAll,
      {
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
        Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:user/bob" } },
      },
      {
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
        Condition: { StringEquals: { "aws:username": "bob" } },
      },
    ]);
    const get = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
    const nullArn = { arn: null, type: "AssumedRole" } as unknown as PrincipalInfo;
    expect(policy.evaluate({ principal: nullArn, requests: [get] }).allow).toBe(false);
    const nullType = {
      arn: `arn:aws:iam::${ACCOUNT}:user/x`,
      type: null,
    } as unknown as PrincipalInfo;
    expect(policy.evaluate({ principal: nullType, requests: [get] }).allow).toBe(false);
  });

  it.each(["aws:PrincipalIsAWSService", "aws:VpceOrgID", "aws:SourceVpcArn", "kms:ViaService"])(
    "a Deny on %s applies when the request does not carry it",
    async (key) => {
      const policy = await load([
        allowAll,
        { Effect: "Deny", Action: "*", Resource: "*", Condition: { StringEquals: { [key]: "v" } } },
      ]);
      expect(policy.evaluate({ requests: [{ action: "kms:Decrypt", resource: "*" }] }).allow).toBe(
        false,
      );
    },
  );

  it("a missing region is unknown: a Deny on aws:RequestedRegion applies", async () => {
    const policy = await load([
      allowAll,
      {
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { "aws:RequestedRegion": "eu-west-1" } },
      },
    ]);
    const get = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" };
    expect(policy.evaluate({ requests: [get] }).allow).toBe(false);
    expect(policy.evaluate({ region: "us-east-1", requests: [get] }).allow).toBe(true);
  });
});

describe("unknown parts of known length", () => {
  const secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/db";
  const request = {
    action: "secretsmanager:GetSecretValue",
    resource: `${secret}-*`,
    resourceParts: [`${secret}-`, { unknown: "secret ARN suffix", length: 6 }],
  };

  it("AWS's -?????? pattern covers a secret's six-character suffix", async () => {
    const exact = await load([
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `${secret}-??????` },
    ]);
    expect(exact.evaluate({ requests: [request] }).allow).toBe(true);
    const five = await load([
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `${secret}-?????` },
    ]);
    expect(five.evaluate({ requests: [request] }).allow).toBe(false);
  });

  it("a Deny naming one suffix may match; one of another length cannot", async () => {
    const allow: PolicyStatement = { Effect: "Allow", Action: "secretsmanager:*", Resource: "*" };
    const one = await load([
      allow,
      { Effect: "Deny", Action: "secretsmanager:*", Resource: `${secret}-AbC123` },
    ]);
    expect(one.evaluate({ requests: [request] }).allow).toBe(false);
    const longer = await load([
      allow,
      { Effect: "Deny", Action: "secretsmanager:*", Resource: `${secret}-AbC1234` },
    ]);
    expect(longer.evaluate({ requests: [request] }).allow).toBe(true);
  });
});

describe("lists of unknown keys remembered per policy", () => {
  it("pair each list with the set made from the same reading of it", () => {
    const keepAll = (_key: string) => false;
    const request = (unknownContext: string[]): EvaluationInput => ({
      requests: [{ action: "s3:PutObject", resource: "arn:aws:s3:::b/k", unknownContext }],
    });
    // A list whose iterator yields nothing the first time and another key after.
    const shifting = ["zzz:Other"];
    let walks = 0;
    Object.defineProperty(shifting, Symbol.iterator, {
      value: function* () {
        walks++;
        if (walks > 1) yield "s3:x-amz-acl";
      },
    });
    wasmInput(request(shifting), keepAll);
    const later = wasmInput(request(["s3:x-amz-acl"]), keepAll);
    if (typeof later === "string") throw new Error(later);
    expect((later.requests[0] as { uk?: Record<string, true> }).uk).toEqual({
      "s3:x-amz-acl": true,
    });
  });
});
