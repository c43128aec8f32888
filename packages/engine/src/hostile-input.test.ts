// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${…}` here are IAM policy variables.
/**
 * Inputs built to make the engine allow what the policy denies: requests that change while
 * they are read, text the WebAssembly regular expressions cut short, oversized patterns and
 * values, and unusual spellings of IP addresses. Each must be denied or refused at load.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  type AuthorizationRequest,
  type EvaluationInput,
  loadPolicy,
  type PolicyDocument,
  PolicyLoadError,
  type PolicyStatement,
  type PrincipalInfo,
} from "./index.js";
import { inheritIndexZero } from "./test-utils/prototypes.js";

const principal: PrincipalInfo = {
  arn: "arn:aws:iam::111122223333:user/alice",
  accountId: "111122223333",
  type: "User",
  username: "alice",
};

const homes: PolicyDocument = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::home/${aws:username}/*" },
  ],
};

/** A request whose context answers with a different object on every read after the fifth. */
function shiftingRequest(resource: string): AuthorizationRequest {
  let reads = 0;
  return {
    action: "s3:GetObject",
    resource,
    get context() {
      reads += 1;
      return reads < 6
        ? { "aws:username": "alice" }
        : { "aws:username": "alice", "AWS:USERNAME": "mallory" };
    },
  } as AuthorizationRequest;
}

describe("evaluate: hostile input", () => {
  for (const cache of [true, false]) {
    it(`reads a request once, so a getter cannot change it between checks (cache ${cache})`, async () => {
      const policy = await loadPolicy({
        iam: [homes],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
      const own = policy.evaluate({
        principal: { ...principal, username: undefined } as PrincipalInfo,
        requests: [shiftingRequest("arn:aws:s3:::home/alice/1.txt")],
      });
      expect(own.allow).toBe(true);
      const other = policy.evaluate({
        principal: { ...principal, username: undefined } as PrincipalInfo,
        requests: [shiftingRequest("arn:aws:s3:::home/mallory/secret.txt")],
      });
      expect(other.allow).toBe(false);
    });
  }

  it("denies a refused input without reading the caller's objects again", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    let reads = 0;
    const request = {
      get action() {
        reads += 1;
        return "s3:GetObject";
      },
      resource: "arn:aws:s3:::home/alice/x",
    };
    const d = policy.evaluate({
      principal: { ...principal, username: "a\u0000" },
      requests: [request],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.action).toBe("s3:GetObject");
    expect(d.requests[0]?.reason).toMatch(/U\+0000/);
    expect(reads).toBe(1);
  });

  it("denies a context with a key twice in different case", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    const d = policy.evaluate({
      requests: [
        {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::home/mallory/x",
          context: { "aws:username": "alice", "AWS:USERNAME": "mallory" },
        },
      ],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toMatch(/twice/);
  });

  it("denies a request holding U+0000, which would cut a pattern short", async () => {
    for (const cache of [true, false]) {
      const policy = await loadPolicy({
        iam: [homes],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
      const nul = { ...principal, username: "u\u0000" };
      for (const resource of ["arn:aws:s3:::home/u", "arn:aws:s3:::home/alice/secret"]) {
        const d = policy.evaluate({
          principal: nul,
          requests: [{ action: "s3:GetObject", resource }],
        });
        expect(d.allow).toBe(false);
        expect(d.requests[0]?.reason).toMatch(/U\+0000/);
      }
    }
  });

  it("still evaluates text that only spells a backslash and u0000", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    const d = policy.evaluate({
      principal,
      requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::home/alice/\\u0000" }],
    });
    expect(d.allow).toBe(true);
  });

  it("denies a value filled into a pattern when it is too long to escape quickly", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    const name = "a".repeat(5000);
    const d = policy.evaluate({
      principal: { ...principal, username: name },
      // Shorter than the name: a resource as long is refused on its own length first.
      requests: [
        { action: "s3:GetObject", resource: `arn:aws:s3:::home/${name.slice(0, 3000)}/x` },
      ],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toMatch(/longer than 1024/);
  });

  it("denies a partly known resource too long to compile as a pattern", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:*", Resource: "*" },
            { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/x" },
          ],
        },
      ],
      checkActions: false,
    });
    const d = policy.evaluate({
      requests: [
        {
          action: "s3:GetObject",
          resource: "",
          resourceParts: [
            "arn:aws:s3:::b/",
            ...new Array(40).fill({ unknown: "key", length: 256 }),
          ],
        },
      ],
    });
    expect(d.allow).toBe(false);
  });

  it("reuses decisions of long action names only for identical requests", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
        },
      ],
      checkActions: false,
    });
    for (let i = 0; i < 50; i++) {
      const d = policy.evaluate({
        requests: [{ action: `s3:${i}${"A".repeat(300)}`, resource: "arn:aws:s3:::b/x" }],
      });
      expect(d.allow).toBe(false);
    }
    // The long actions were keyed on the whole request; a repeat is still reused.
    const again = policy.evaluate({
      requests: [{ action: `s3:0${"A".repeat(300)}`, resource: "arn:aws:s3:::b/x" }],
    });
    expect(again.allow).toBe(false);
    expect(policy.stats().reusedDecisions).toBe(1);
  });
});

describe("evaluate: members added to Object.prototype", () => {
  const bobs: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/bob/*" },
      {
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceVpce": "vpce-1" } },
      },
    ],
  };
  const polluted = Object.prototype as Record<string, unknown>;

  for (const cache of [true, false]) {
    it(`never fill what a request or input leaves out (cache ${cache})`, async () => {
      const policy = await loadPolicy({
        iam: [bobs, homes],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
      try {
        polluted.resourceParts = ["arn:aws:s3:::b/bob/x"];
        const secret = { action: "s3:GetObject", resource: "arn:aws:s3:::b/alice/secret" };
        expect(policy.evaluate({ region: "us-east-1", requests: [secret] }).allow).toBe(false);
        delete polluted.resourceParts;

        polluted.context = { "aws:SourceVpce": "vpce-1" };
        const put = { action: "s3:PutObject", resource: "arn:aws:s3:::b/k" };
        expect(policy.evaluate({ region: "us-east-1", requests: [put] }).allow).toBe(false);
        delete polluted.context;

        // The library's own fields for partly known requests, added to every object.
        for (const [field, value] of [
          ["rp", "arn:aws:s3:::b/bob/x"],
          ["rre", "^arn:aws:s3:::b/bob/x$"],
          ["up", []],
        ] as const) {
          polluted[field] = value;
          expect(policy.evaluate({ region: "us-east-1", requests: [secret] }).allow).toBe(false);
          delete polluted[field];
        }
        // A setter that swallows what the engine sets and a getter that answers instead.
        Object.defineProperty(Object.prototype, "rp", {
          configurable: true,
          get: () => "arn:aws:s3:::b/bob/*",
          set: () => {},
        });
        const partly = {
          ...secret,
          resource: "arn:aws:s3:::b/alice/*",
          resourceParts: ["arn:aws:s3:::b/alice/", { unknown: "key" }],
        };
        expect(policy.evaluate({ region: "us-east-1", requests: [partly as never] }).allow).toBe(
          false,
        );
        delete polluted.rp;

        // A `toJSON` that empties the set of unknown keys, so a Deny on one would not apply.
        const guarded = await loadPolicy({
          iam: [
            {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
                {
                  Effect: "Deny",
                  Action: "s3:GetObject",
                  Resource: "*",
                  Condition: { StringEquals: { "s3:prefix": "secret/" } },
                },
              ],
            },
          ],
          checkActions: false,
          ...(cache ? {} : { cache: false }),
        });
        const listing = {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::b/k",
          unknownContext: ["s3:prefix"],
        };
        polluted.toJSON = function (this: object) {
          const values = Object.values(this);
          return Object.isFrozen(this) && values.length > 0 && values.every((v) => v === true)
            ? {}
            : this;
        };
        expect(guarded.evaluate({ requests: [listing] }).allow).toBe(false);
        delete polluted.toJSON;
        expect(guarded.evaluate({ requests: [listing] }).allow).toBe(false);

        polluted.principal = { username: "bob" };
        const home = { action: "s3:GetObject", resource: "arn:aws:s3:::home/bob/x" };
        expect(policy.evaluate({ region: "us-east-1", requests: [home] }).allow).toBe(false);
      } finally {
        for (const field of ["resourceParts", "context", "principal", "rp", "rre", "up", "toJSON"])
          delete polluted[field];
      }
    });
  }
});

describe("evaluate: a principal reused from call to call", () => {
  const own = { action: "s3:GetObject", resource: "arn:aws:s3:::home/alice/1.txt" };
  const tagged: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::home/*",
        Condition: { StringEquals: { "aws:PrincipalTag/team": "blue" } },
      },
    ],
  };

  for (const cache of [true, false]) {
    it(`reads a frozen principal's getter on every evaluation (cache ${cache})`, async () => {
      const policy = await loadPolicy({
        iam: [homes],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
      let name = "alice";
      const shifting = Object.freeze(
        Object.defineProperty({ ...principal, username: undefined }, "username", {
          get: () => name,
          enumerable: true,
        }),
      ) as PrincipalInfo;
      expect(policy.evaluate({ principal: shifting, requests: [own] }).allow).toBe(true);
      name = "mallory";
      expect(policy.evaluate({ principal: shifting, requests: [own] }).allow).toBe(false);
      name = "alice";
      expect(policy.evaluate({ principal: shifting, requests: [own] }).allow).toBe(true);
    });
  }

  it("reads a principal that is not frozen anew after it changes", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    const mutable = { ...principal };
    expect(policy.evaluate({ principal: mutable, requests: [own] }).allow).toBe(true);
    mutable.username = "mallory";
    expect(policy.evaluate({ principal: mutable, requests: [own] }).allow).toBe(false);
  });

  it("reads a frozen principal's tags anew when the tags object is not frozen", async () => {
    const policy = await loadPolicy({ iam: [tagged], checkActions: false });
    const tags: Record<string, string> = { team: "blue" };
    const frozen = Object.freeze({ ...principal, tags });
    expect(policy.evaluate({ principal: frozen, requests: [own] }).allow).toBe(true);
    tags.team = "red";
    expect(policy.evaluate({ principal: frozen, requests: [own] }).allow).toBe(false);
  });

  it("never keeps what a passing toJSON on Object.prototype made of a frozen principal", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    const low = Object.freeze({ ...principal, username: "low", tags: Object.freeze({}) });
    const hooked = Object.prototype as { toJSON?: () => unknown };
    const admin = { action: "s3:GetObject", resource: "arn:aws:s3:::home/admin/1" };
    const own = { action: "s3:GetObject", resource: "arn:aws:s3:::home/low/1" };
    try {
      // Present for one evaluation only, then gone: later ones read the principal as it is.
      hooked.toJSON = function (this: unknown) {
        if (this === low) {
          delete hooked.toJSON;
          return { ...low, username: "admin" };
        }
        return this;
      };
      // Refused while it is there, whatever it would answer.
      const hookedDecision = policy.evaluate({ principal: low, requests: [admin] });
      expect(hookedDecision.allow).toBe(false);
      delete hooked.toJSON;
      expect(policy.evaluate({ principal: low, requests: [admin] }).allow).toBe(false);
      expect(policy.evaluate({ principal: low, requests: [own] }).allow).toBe(true);
      // Added while the principal's copy is shared: the input is refused, whatever it holds.
      hooked.toJSON = function (this: unknown) {
        return this === low ? { ...low, username: "admin" } : this;
      };
      const refused = policy.evaluate({ principal: low, requests: [own] });
      expect(refused.allow).toBe(false);
      delete hooked.toJSON;
      expect(policy.evaluate({ principal: low, requests: [admin] }).allow).toBe(false);
      // A refused input read the principal first; its text is not fixed by a later hook.
      policy.evaluate({ principal: low, requests: [{ action: "nocolon", resource: "*" }] });
      const input = {
        principal: low,
        get region() {
          hooked.toJSON = function (this: unknown) {
            return this === low ? { ...low, username: "admin" } : this;
          };
          return "us-east-1";
        },
        requests: [admin],
      };
      policy.evaluate(input);
      delete hooked.toJSON;
      expect(policy.evaluate({ principal: low, requests: [admin] }).allow).toBe(false);
      expect(policy.evaluate({ principal: low, requests: [own] }).allow).toBe(true);
    } finally {
      delete hooked.toJSON;
    }
  });

  it("looks only at the members it reads of a principal, and at a bounded number", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    // Each level's members all name the one below: a few hundred objects, 27 million paths.
    let shared: object = Object.freeze({ leaf: "v" });
    for (let level = 0; level < 3; level++) {
      const members: Record<string, object> = {};
      for (let i = 0; i < 300; i++) members[`m${i}`] = shared;
      shared = Object.freeze(members);
    }
    const own = { action: "s3:GetObject", resource: "arn:aws:s3:::home/alice/1" };
    const unread = Object.freeze({ ...principal, extra: shared });
    const tagged = Object.freeze({ ...principal, tags: shared as Record<string, string> });
    for (let round = 0; round < 3; round++) {
      expect(policy.evaluate({ principal: unread, requests: [own] }).allow).toBe(true);
      expect(policy.evaluate({ principal: tagged, requests: [own] }).allow).toBe(false);
    }
  });

  it("does not keep a principal whose getter answered once and then froze it", async () => {
    const policy = await loadPolicy({ iam: [homes], checkActions: false });
    const target: Record<string, unknown> = { ...principal };
    Object.defineProperty(target, "username", {
      configurable: true,
      enumerable: true,
      get() {
        Object.defineProperty(target, "username", { value: "low", enumerable: true });
        Object.freeze(target);
        return "admin";
      },
    });
    const admin = { action: "s3:GetObject", resource: "arn:aws:s3:::home/admin/1" };
    expect(policy.evaluate({ principal: target, requests: [admin] }).allow).toBe(true);
    expect(policy.evaluate({ principal: target, requests: [admin] }).allow).toBe(false);
    expect(policy.evaluate({ principal: target, requests: [admin] }).allow).toBe(false);
  });

  it("counts a reused principal toward the input's limits", async () => {
    const plain: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::home/*" }],
    };
    const policy = await loadPolicy({ iam: [plain], checkActions: false });
    const tags = Object.freeze({ big: "x".repeat(10 * 2 ** 20) });
    const heavy = Object.freeze({ ...principal, tags });
    const request = { action: "s3:GetObject", resource: "arn:aws:s3:::home/alice/1" };
    expect(policy.evaluate({ principal: heavy, requests: [request] }).allow).toBe(true);
    const context = { "k:pad": "y".repeat(7 * 2 ** 20) };
    // The principal last and no region: nothing read after it would catch the total.
    const d = policy.evaluate({ requests: [{ ...request, context }], principal: heavy });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toMatch(/more than 16777216 characters/);
  });

  it("gives a sealed principal the same decisions as a fresh copy of it", async () => {
    const policy = await loadPolicy({ iam: [homes, tagged], checkActions: false });
    const sealed = Object.freeze({ ...principal, tags: Object.freeze({ team: "blue" }) });
    for (const resource of ["arn:aws:s3:::home/alice/a", "arn:aws:s3:::home/bob/b"]) {
      const request = [{ action: "s3:GetObject", resource }];
      for (let round = 0; round < 3; round++) {
        expect(policy.evaluate({ principal: sealed, requests: request })).toEqual(
          policy.evaluate({ principal: structuredClone(sealed), requests: request }),
        );
      }
    }
  });
});

describe("evaluate: context keys the documents do not read", () => {
  // The library lower-cases "K:İ" to "k:i" (Go), JavaScript to "k:i̇": a key JavaScript
  // would call unread may still be the one a Deny reads, so only ASCII names are left out.
  const guarded: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
      {
        Effect: "Deny",
        Action: "s3:GetObject",
        Resource: "*",
        Condition: { StringEquals: { "k:i": "blocked" } },
      },
    ],
  };
  for (const cache of [true, false]) {
    it(`keeps a key only the library lower-cases to a read key (cache ${cache})`, async () => {
      const policy = await loadPolicy({
        iam: [guarded],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
      const decide = (context: Record<string, string>) =>
        policy.evaluate({
          requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context }],
        }).allow;
      expect(decide({ "K:İ": "blocked" })).toBe(false);
      expect(decide({ "K:I": "blocked" })).toBe(false);
      expect(decide({ "k:other": "blocked", "K:I": "open" })).toBe(true);
    });
  }

  it("reads and checks every key, kept or not, once per evaluation", async () => {
    const policy = await loadPolicy({ iam: [guarded], checkActions: false });
    let reads = 0;
    const context = {
      "k:i": "open",
      get "k:unread"() {
        reads += 1;
        return "x";
      },
    };
    const request = { action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context };
    expect(policy.evaluate({ requests: [request] }).allow).toBe(true);
    expect(reads).toBe(1);
    for (const [value, reason] of [
      ["a\u0000b", /U\+0000/],
      ["\ud800", /lone surrogate/],
      [1n, /cannot be serialized/],
    ] as const) {
      const d = policy.evaluate({
        requests: [{ ...request, context: { "k:i": "open", "k:unread": value as never } }],
      });
      expect(d.allow).toBe(false);
      expect(d.requests[0]?.reason).toMatch(reason);
    }
  });

  it("refuses a key given twice even when the documents do not read it", async () => {
    const policy = await loadPolicy({ iam: [guarded], checkActions: false });
    const d = policy.evaluate({
      requests: [
        {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::b/k",
          context: { "k:unread": "a", "K:UNREAD": "b" },
        },
      ],
    });
    expect(d.allow).toBe(false);
    expect(d.requests[0]?.reason).toBe(
      'cannot evaluate: requests[0].context has the key "K:UNREAD" twice (keys are case-insensitive)',
    );
    const omitted = policy.evaluate({
      requests: [
        {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::b/k",
          context: { "k:unread": "a", "K:UNREAD": undefined as never },
        },
      ],
    });
    expect(omitted.allow).toBe(true);
  });
});

describe("evaluate: IP address spellings", () => {
  const blocked: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "s3:ListBucket", Resource: "*" },
      {
        Effect: "Deny",
        Action: "s3:ListBucket",
        Resource: "*",
        Condition: { IpAddress: { "k:ip": "203.0.113.0/24" } },
      },
    ],
  };
  const spellings = [
    "203.0.113.5",
    "::ffff:203.0.113.5",
    "0::ffff:203.0.113.5",
    "0:0::ffff:cb00:7105",
    "0:0:0:0:0:FFFF:CB00:7105",
    "::ffff:cb00:7105/128",
    "203.0.113.5/32",
    "not an address",
  ];
  for (const cache of [true, false]) {
    it(`a Deny on an address range catches every spelling of an address in it (cache ${cache})`, async () => {
      const policy = await loadPolicy({
        iam: [blocked],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
      for (const ip of spellings) {
        const d = policy.evaluate({
          requests: [
            { action: "s3:ListBucket", resource: "arn:aws:s3:::b", context: { "K:IP": ip } },
          ],
        });
        expect([ip, d.allow]).toEqual([ip, false]);
      }
      const outside = policy.evaluate({
        requests: [
          {
            action: "s3:ListBucket",
            resource: "arn:aws:s3:::b",
            context: { "k:ip": "::ffff:198.51.100.1" },
          },
        ],
      });
      expect(outside.allow).toBe(true);
    });
  }

  it("an Allow on an address range does not allow a value that is no address", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "s3:ListBucket",
              Resource: "*",
              Condition: { IpAddress: { "k:ip": "203.0.113.0/24" } },
            },
          ],
        },
      ],
      checkActions: false,
    });
    const allowed = (ip: string) =>
      policy.evaluate({
        requests: [
          { action: "s3:ListBucket", resource: "arn:aws:s3:::b", context: { "k:ip": ip } },
        ],
      }).allow;
    expect(allowed("0::ffff:203.0.113.5")).toBe(true);
    expect(allowed("203.0.113.5/32")).toBe(false);
    expect(allowed("203.0.113.x")).toBe(false);
  });
});

describe("loadPolicy: patterns WebAssembly cannot match safely", () => {
  async function refused(statement: Record<string, unknown>): Promise<PolicyLoadError> {
    const error = await loadPolicy({
      iam: [
        {
          name: "p.json",
          document: { Version: "2012-10-17", Statement: [statement] } as unknown as PolicyDocument,
        },
      ],
      checkActions: false,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PolicyLoadError);
    return error as PolicyLoadError;
  }

  it("refuses U+0000 in a resource pattern, naming the element", async () => {
    const e = await refused({
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::pub/?\u0000.txt",
    });
    expect(e.code).toBe("InvalidArn");
    expect(e.location).toEqual({ document: "p.json", statementIndex: 0, element: "Resource" });
  });

  it("refuses U+0000 in a condition value, naming the key", async () => {
    const e = await refused({
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: "*",
      Condition: { StringLike: { "s3:x-amz-acl": "private?\u0000" } },
    });
    expect(e.code).toBe("InvalidConditionValue");
    expect(e.location?.element).toBe("Condition.StringLike.s3:x-amz-acl");
  });

  it("refuses resource patterns and condition values over 2,048 characters", async () => {
    const long = await refused({
      Effect: "Deny",
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::b/x${"?".repeat(80_000)}`,
    });
    expect(long.code).toBe("InvalidArn");
    expect(long.location?.element).toBe("Resource");
    const condition = await refused({
      Effect: "Deny",
      Action: "s3:PutObject",
      Resource: "*",
      Condition: { StringLike: { "s3:x-amz-acl": `public*${"?".repeat(80_000)}` } },
    });
    expect(condition.code).toBe("InvalidConditionValue");
    // The longest accepted pattern still loads.
    await loadPolicy({
      iam: [
        {
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Deny",
              Action: "s3:GetObject",
              Resource: `arn:aws:s3:::b/${"?".repeat(2048 - 15)}`,
            },
          ],
        },
      ],
      checkActions: false,
    });
  });
});

/** A document that allows `action` on every resource except where `condition` holds. */
function allowExcept(action: string, condition: PolicyStatement["Condition"]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: action, Resource: "*" },
      { Effect: "Deny", Action: action, Resource: "*", Condition: condition },
    ],
  };
}

describe("evaluate: a context or list of unknown keys shared from call to call", () => {
  // `@keycard/iam-map` hands out one frozen context per kind of call and second; the engine
  // copies such a context once. Only one that cannot read differently later may be reused.
  const tlsOnly = allowExcept("s3:GetObject", { Bool: { "aws:SecureTransport": "false" } });
  const request = (context: object, resource = "arn:aws:s3:::b/k") =>
    ({ action: "s3:GetObject", resource, context }) as AuthorizationRequest;

  for (const cache of [true, false]) {
    it(`reads a frozen context's getter on every evaluation (cache ${cache})`, async () => {
      const policy = await loadPolicy({
        iam: [tlsOnly],
        checkActions: false,
        ...(cache ? {} : { cache: false }),
      });
      let secure = true;
      const shifting = Object.freeze(
        Object.defineProperty({}, "aws:SecureTransport", { get: () => secure, enumerable: true }),
      );
      for (let i = 0; i < 3; i++) {
        secure = true;
        expect(
          policy.evaluate({ requests: [request(shifting, `arn:aws:s3:::b/${i}`)] }).allow,
        ).toBe(true);
        secure = false;
        expect(
          policy.evaluate({ requests: [request(shifting, `arn:aws:s3:::b/${i}x`)] }).allow,
        ).toBe(false);
      }
    });
  }

  it("reads a frozen context anew when a list in it is not frozen", async () => {
    const policy = await loadPolicy({
      iam: [
        allowExcept("s3:GetObject", { "ForAnyValue:StringEquals": { "aws:TagKeys": "secret" } }),
      ],
      checkActions: false,
    });
    const keys = ["open"];
    const context = Object.freeze({ "aws:TagKeys": keys });
    expect(policy.evaluate({ requests: [request(context, "arn:aws:s3:::b/1")] }).allow).toBe(true);
    keys.push("secret");
    expect(policy.evaluate({ requests: [request(context, "arn:aws:s3:::b/2")] }).allow).toBe(false);
  });

  it("reads a frozen proxy, or a frozen context with a prototype of its own, every time", async () => {
    const policy = await loadPolicy({ iam: [tlsOnly], checkActions: false });
    let secure = true;
    const proxied = new Proxy(Object.freeze({ "aws:SecureTransport": true }), {
      get: (target, key, receiver) =>
        key === "aws:SecureTransport" ? secure : Reflect.get(target, key, receiver),
    });
    const withProto = Object.freeze(
      Object.assign(
        Object.create({
          toJSON() {
            return { "aws:SecureTransport": secure };
          },
        }),
        { "aws:SecureTransport": true },
      ),
    );
    for (const context of [proxied, withProto]) {
      for (let i = 0; i < 2; i++) {
        secure = true;
        expect(policy.evaluate({ requests: [request(context, `arn:aws:s3:::b/${i}`)] }).allow).toBe(
          true,
        );
        secure = false;
        expect(
          policy.evaluate({ requests: [request(context, `arn:aws:s3:::b/${i}x`)] }).allow,
        ).toBe(false);
      }
    }
  });

  it("refuses an input while Object.prototype has a toJSON, even with a shared context", async () => {
    const policy = await loadPolicy({ iam: [tlsOnly], checkActions: false });
    const insecure = Object.freeze({ "aws:SecureTransport": false });
    expect(policy.evaluate({ requests: [request(insecure)] }).allow).toBe(false);
    const hooked = Object.prototype as { toJSON?: () => unknown };
    try {
      hooked.toJSON = function (this: unknown) {
        return this === insecure ? { "aws:SecureTransport": true } : this;
      };
      const d = policy.evaluate({ requests: [request(insecure, "arn:aws:s3:::b/2")] });
      // Refused before any request is read.
      expect(d).toEqual({ allow: false, requests: [] });
    } finally {
      delete hooked.toJSON;
    }
    expect(policy.evaluate({ requests: [request(insecure, "arn:aws:s3:::b/3")] }).allow).toBe(
      false,
    );
  });

  it("keeps one copy of a shared context per policy, with the keys that policy reads", async () => {
    const tlsPolicy = await loadPolicy({ iam: [tlsOnly], checkActions: false });
    const authPolicy = await loadPolicy({
      iam: [allowExcept("s3:GetObject", { StringEquals: { "s3:authType": "REST-QUERY-STRING" } })],
      checkActions: false,
    });
    const presignedOverTls = Object.freeze({
      "aws:SecureTransport": true,
      "s3:authType": "REST-QUERY-STRING",
    });
    const signedInClear = Object.freeze({
      "aws:SecureTransport": false,
      "s3:authType": "REST-HEADER",
    });
    for (let i = 0; i < 3; i++) {
      const first = [request(presignedOverTls, `arn:aws:s3:::b/${i}`)];
      const second = [request(signedInClear, `arn:aws:s3:::b/${i}`)];
      expect(tlsPolicy.evaluate({ requests: first }).allow).toBe(true);
      expect(authPolicy.evaluate({ requests: first }).allow).toBe(false);
      expect(tlsPolicy.evaluate({ requests: second }).allow).toBe(false);
      expect(authPolicy.evaluate({ requests: second }).allow).toBe(true);
    }
  });

  it("prepares IP addresses of a shared context in a copy of its own", async () => {
    const policy = await loadPolicy({
      iam: [allowExcept("s3:GetObject", { NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } })],
      checkActions: false,
    });
    const inside = Object.freeze({ "aws:SourceIp": "::ffff:10.1.2.3" });
    const garbled = Object.freeze({ "aws:SourceIp": "not-an-address" });
    for (let i = 0; i < 3; i++) {
      const allowed = policy.evaluate({ requests: [request(inside, `arn:aws:s3:::b/${i}`)] });
      expect(allowed.requests[0]?.reason).not.toMatch(/cannot evaluate/);
      expect(allowed.allow).toBe(true);
      // Not an address: unknown, so the Deny applies.
      const denied = policy.evaluate({ requests: [request(garbled, `arn:aws:s3:::b/${i}`)] });
      expect(denied.requests[0]?.reason).not.toMatch(/cannot evaluate/);
      expect(denied.allow).toBe(false);
    }
  });

  it("reads a frozen list of unknown keys anew when an element is a getter", async () => {
    const policy = await loadPolicy({
      iam: [allowExcept("s3:GetObject", { StringEquals: { "s3:prefix": "secret/" } })],
      checkActions: false,
    });
    let unknown = "x:unread";
    const list = Object.freeze(
      Object.defineProperty([""], "0", { get: () => unknown, enumerable: true }),
    );
    for (let i = 0; i < 3; i++) {
      unknown = "x:unread";
      const known = {
        action: "s3:GetObject",
        resource: `arn:aws:s3:::b/${i}`,
        unknownContext: list,
      };
      expect(policy.evaluate({ requests: [known] }).allow).toBe(true);
      unknown = "s3:prefix";
      expect(
        policy.evaluate({ requests: [{ ...known, resource: `${known.resource}x` }] }).allow,
      ).toBe(false);
    }
  });

  /** A policy that denies `s3:PutObject` with a public ACL, and when the ACL is unknown. */
  const noPublicAcl = () =>
    loadPolicy({
      iam: [allowExcept("s3:PutObject", { StringEquals: { "s3:x-amz-acl": "public-read" } })],
      checkActions: false,
    });
  const put = (extra: object) =>
    ({ action: "s3:PutObject", resource: "arn:aws:s3:::b/k", ...extra }) as AuthorizationRequest;

  it("keeps nothing a toJSON that removes itself made of a shared list, read by another policy", async () => {
    const victim = await noPublicAcl();
    const mine = await loadPolicy({
      iam: [
        { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
      ],
      checkActions: false,
    });
    const list = Object.freeze(["s3:x-amz-acl"]);
    const lists = Array.prototype as { toJSON?: unknown };
    try {
      for (let round = 0; round < 3; round++) {
        mine.evaluate({
          requests: [
            {
              get action() {
                Object.defineProperty(Array.prototype, "toJSON", {
                  configurable: true,
                  writable: true,
                  value() {
                    delete lists.toJSON;
                    return [];
                  },
                });
                return "s3:PutObject";
              },
              resource: "*",
              unknownContext: list,
            },
          ],
        });
        delete lists.toJSON;
        const d = victim.evaluate({ requests: [put({ unknownContext: list })] });
        expect(d.allow).toBe(false);
        expect(d.requests[0]?.reason).toMatch(/s3:x-amz-acl/);
      }
    } finally {
      delete lists.toJSON;
    }
  });

  it("keeps nothing a toJSON that removes itself made of a shared context", async () => {
    const victim = await noPublicAcl();
    const context = Object.freeze({ "s3:x-amz-acl": "public-read" });
    const objects = Object.prototype as { toJSON?: unknown };
    try {
      for (let round = 0; round < 3; round++) {
        victim.evaluate({
          requests: [
            {
              action: "s3:PutObject",
              get resource() {
                Object.defineProperty(Object.prototype, "toJSON", {
                  configurable: true,
                  writable: true,
                  value(this: unknown) {
                    if (this !== context) return this;
                    delete objects.toJSON;
                    return {};
                  },
                });
                return "arn:aws:s3:::b/k";
              },
              context,
            },
          ],
        });
        delete objects.toJSON;
        expect(victim.evaluate({ requests: [put({ context })] }).allow).toBe(false);
      }
    } finally {
      delete objects.toJSON;
    }
  });

  /** `Set.prototype.has` answering that no set holds `s3:x-amz-acl`. */
  const hidingAcl = (has: Set<unknown>["has"]) =>
    function (this: Set<unknown>, value: unknown) {
      return value === "s3:x-amz-acl" ? false : has.call(this, value);
    };

  it("keeps nothing a built-in changed for one read made of a shared context", async () => {
    const victim = await noPublicAcl();
    const context = Object.freeze({ "s3:x-amz-acl": "public-read" });
    const has = Set.prototype.has;
    try {
      for (let round = 0; round < 3; round++) {
        victim.evaluate({
          requests: [
            {
              get action() {
                Set.prototype.has = hidingAcl(has);
                return "s3:PutObject";
              },
              resource: "arn:aws:s3:::b/k",
              context,
              get unknownContext() {
                Set.prototype.has = has;
                return undefined;
              },
            } as AuthorizationRequest,
          ],
        });
        Set.prototype.has = has;
        expect(victim.evaluate({ requests: [put({ context })] }).allow).toBe(false);
      }
    } finally {
      Set.prototype.has = has;
    }
  });

  it("keeps nothing made while a getter of another input runs an evaluation", async () => {
    const victim = await noPublicAcl();
    const has = Set.prototype.has;
    try {
      for (let round = 0; round < 3; round++) {
        const context = Object.freeze({ "s3:x-amz-acl": "public-read", round });
        victim.evaluate({
          requests: [
            {
              // Met first, for the first time: its copy is to be kept when the next read starts.
              context,
              get action() {
                Set.prototype.has = hidingAcl(has);
                // Starts a read while this one is under way, with the built-in changed.
                victim.evaluate({ requests: [put({ resource: "arn:aws:s3:::b/other" })] });
                Set.prototype.has = has;
                return "s3:PutObject";
              },
              resource: "arn:aws:s3:::b/k",
            } as AuthorizationRequest,
          ],
        });
        expect(victim.evaluate({ requests: [put({ context })] }).allow).toBe(false);
      }
    } finally {
      Set.prototype.has = has;
    }
  });

  it("never throws on a clean call after another input held a revoked proxy in a frozen value", async () => {
    const victim = await noPublicAcl();
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const extra of [
      { context: Object.freeze({ "k:x": proxy }) },
      { unknownContext: Object.freeze([proxy]) },
    ]) {
      expect(victim.evaluate({ requests: [put(extra)] }).allow).toBe(false);
      expect(() => victim.evaluate({ requests: [put({})] })).not.toThrow();
      expect(victim.evaluate({ requests: [put({})] }).allow).toBe(true);
    }
    const principal = Object.freeze({ arn: "arn:aws:iam::111122223333:user/a", tags: proxy });
    victim.evaluate({ principal: principal as never, requests: [put({})] });
    expect(victim.evaluate({ requests: [put({})] }).allow).toBe(true);
  });

  it("refuses an input whose getter left a toJSON behind, so nothing made of a kept copy uses it", async () => {
    const policy = await loadPolicy({
      iam: [
        allowExcept("s3:PutObject", { "ForAnyValue:StringEquals": { "aws:TagKeys": "secret" } }),
      ],
      checkActions: false,
    });
    const lists = Array.prototype as { toJSON?: unknown };
    try {
      for (let round = 0; round < 3; round++) {
        const context = Object.freeze({ "aws:TagKeys": Object.freeze(["secret"]), round });
        expect(policy.evaluate({ requests: [put({ context })] }).allow).toBe(false);
        const hooked = policy.evaluate({
          requests: [put({ context })],
          get region() {
            Object.defineProperty(Array.prototype, "toJSON", {
              configurable: true,
              writable: true,
              value() {
                delete lists.toJSON;
                return ["public"];
              },
            });
            return "us-east-1";
          },
        });
        expect(hooked.allow).toBe(false);
        delete lists.toJSON;
        expect(policy.evaluate({ requests: [put({ context })] }).allow).toBe(false);
      }
    } finally {
      delete lists.toJSON;
    }
  });

  it("refuses while a frozen list with a hole reads an inherited index, and keeps nothing of it", async () => {
    const victim = await noPublicAcl();
    const holed: string[] & { pad?: string } = [];
    holed[1] = "s3:other";
    holed.pad = "x";
    Object.freeze(holed);
    let answer = "aws:harmless";
    try {
      inheritIndexZero(Array.prototype, (self) => (self === holed ? answer : undefined));
      for (let round = 0; round < 3; round++) {
        answer = round % 2 === 0 ? "aws:harmless" : "s3:x-amz-acl";
        const refused = victim.evaluate({ requests: [put({ unknownContext: holed })] });
        expect(refused.allow).toBe(false);
        for (const request of refused.requests)
          expect(request.reason).toMatch(/^cannot evaluate: /);
      }
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)[0];
    }
    // Nothing decided meanwhile answers for the lists it could have stood for.
    const unknown = (first: string) => Object.freeze([first, "s3:other"]);
    expect(
      victim.evaluate({ requests: [put({ unknownContext: unknown("aws:harmless") })] }).allow,
    ).toBe(true);
    expect(
      victim.evaluate({ requests: [put({ unknownContext: unknown("s3:x-amz-acl") })] }).allow,
    ).toBe(false);
  });

  it("gives a shared context and list the same decisions as fresh copies of them", async () => {
    const policy = await loadPolicy({ iam: [tlsOnly, homes], checkActions: false });
    const context = Object.freeze({ "aws:SecureTransport": true, "aws:username": "alice" });
    const unknownContext = Object.freeze(["s3:prefix", "aws:SourceIp"]);
    for (const resource of ["arn:aws:s3:::home/alice/a", "arn:aws:s3:::other/b"]) {
      for (let round = 0; round < 3; round++) {
        const shared = { action: "s3:GetObject", resource, context, unknownContext };
        expect(policy.evaluate({ principal, requests: [shared] })).toEqual(
          policy.evaluate({ principal, requests: [structuredClone(shared)] }),
        );
      }
    }
  });
});

describe("values waiting to be sealed, while Array.prototype has a setter", () => {
  it("are never handed to it, with the cache their copies go to", async () => {
    const own = await loadPolicy({
      iam: [
        {
          name: "own.json",
          document: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
          },
        },
      ],
      checkActions: false,
    });
    const handed = new Set<unknown>();
    const prototype = Array.prototype as unknown as Record<number, unknown>;
    Object.defineProperty(prototype, 0, {
      configurable: true,
      set(this: unknown[], value: unknown) {
        if (typeof value === "object" && value !== null && Object.hasOwn(value, "cache"))
          handed.add(value);
        Object.defineProperty(this, 0, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      },
    });
    try {
      // A frozen principal is queued to be sealed for later calls.
      own.evaluate({
        principal: Object.freeze({ arn: "arn:aws:iam::111122223333:role/x" }),
        region: "us-east-1",
        requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/x" }],
      });
    } finally {
      delete prototype[0];
    }
    expect(handed.size).toBe(0);
  });
});

describe("evaluate while code in the process has changed a prototype", () => {
  /**
   * Setters on `Array.prototype[0 … count)` that write `forge(value)` in place of what is
   * written (the value itself where `forge` leaves it alone).
   */
  function forgingIndexes(count: number, forge: (value: unknown) => unknown): () => void {
    const prototype = Array.prototype as unknown as Record<number, unknown>;
    for (let i = 0; i < count; i++)
      Object.defineProperty(prototype, i, {
        configurable: true,
        set(this: unknown[], value: unknown) {
          Object.defineProperty(this, i, {
            value: forge(value),
            writable: true,
            enumerable: true,
            configurable: true,
          });
        },
      });
    return () => {
      for (let i = 0; i < count; i++) delete prototype[i];
    };
  }
  const forgingIndexZero = (forge: (value: unknown) => unknown) => forgingIndexes(1, forge);

  const sse = "s3:x-amz-server-side-encryption";
  const document = allowExcept("s3:PutObject", { StringEquals: { [sse]: "AES256" } });
  const put = (unknownContext: readonly string[]): AuthorizationRequest => ({
    action: "s3:PutObject",
    resource: "arn:aws:s3:::orders/a.json",
    context: {},
    unknownContext: unknownContext as string[],
  });

  it("keeps nothing it copies for later calls: a shared list of unknown keys reads the same after", async () => {
    const application = await loadPolicy({ iam: [{ name: "app.json", document }] });
    const own = await loadPolicy({ iam: [{ name: "own.json", document }] });
    // The frozen list a mapping hands out for every call of a kind (the middleware passes it on).
    const shared = Object.freeze([sse]);
    const input = { principal, region: "us-east-1", requests: [put(shared)] };
    const restore = forgingIndexZero((value) => (value === sse ? "keycard:Nothing" : value));
    try {
      // Code in the process has the list sealed, by its own policy, while its setter forges.
      own.evaluate(input);
      own.evaluate(input);
    } finally {
      restore();
    }
    // The key is unknown: it may be AES256, which the Deny refuses.
    expect(application.evaluate(input).allow).toBe(false);
    expect(application.evaluate(input).allow).toBe(false);
  });

  it("keeps no set of unknown keys it makes meanwhile: a later request's unknown key stays unknown", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "tls.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "s3:GetObject", Resource: "*" },
              {
                Sid: "NoOldTls",
                Effect: "Deny",
                Action: "s3:GetObject",
                Resource: "*",
                Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
              },
            ],
          },
        },
      ],
      checkActions: false,
    });
    const get = (unknownContext: readonly string[]) => ({
      principal,
      region: "us-east-1",
      requests: [
        {
          action: "s3:GetObject",
          resource: "arn:aws:s3:::prod/a",
          unknownContext: unknownContext as string[],
        },
      ],
    });
    // A set, not a list: adding to it writes no index a setter would be handed.
    const handed = new Set<unknown[]>();
    const restore = forgingIndexes(8, (value) => {
      if (Array.isArray(value) && value.length === 2 && Array.isArray(value[0])) handed.add(value);
      return value;
    });
    try {
      expect(policy.evaluate(get(["s3:TlsVersion"])).allow).toBe(false);
    } finally {
      restore();
    }
    // What was handed, made to say that nothing is unknown.
    for (const entry of handed) if (!Object.isFrozen(entry)) entry[1] = undefined;
    expect(policy.evaluate(get(["s3:TlsVersion"])).allow).toBe(false);
    const shared = Object.freeze(["s3:TlsVersion"]);
    for (let i = 0; i < 3; i++) expect(policy.evaluate(get(shared)).allow).toBe(false);
  });

  it("refuses, never throwing, when the prototype check itself fails", async () => {
    const policy = await loadPolicy({ iam: [{ name: "app.json", document }] });
    const species = Object.getOwnPropertyDescriptor(Array, Symbol.species) as PropertyDescriptor;
    Object.defineProperty(Array, Symbol.species, {
      configurable: true,
      get() {
        throw new Error("species");
      },
    });
    const prototype = Object.prototype as Record<string, unknown>;
    prototype["added"] = 1;
    const upload = (context: Record<string, string>) =>
      policy.evaluate({
        principal,
        region: "us-east-1",
        requests: [{ action: "s3:PutObject", resource: "arn:aws:s3:::orders/new", context }],
      });
    let whileFailing: Array<ReturnType<typeof upload>> = [];
    try {
      whileFailing = [upload({}), upload({ [sse]: "AES256" })];
    } finally {
      Object.defineProperty(Array, Symbol.species, species);
      delete prototype["added"];
    }
    // Denied, each with the reason where one could be written (`map` asks the replaced species).
    expect(whileFailing.map((refused) => refused.allow)).toEqual([false, false]);
    for (const refused of whileFailing)
      for (const request of refused.requests) expect(request.reason).toMatch(/^cannot evaluate: /);
    expect(upload({}).allow).toBe(true);
    expect(upload({ [sse]: "AES256" }).allow).toBe(false);
  });

  it("keeps no plan it builds meanwhile: requests the documents tell apart never share a decision", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "public.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::public/*" },
            ],
          },
        },
      ],
    });
    const get = (resource: string) => ({
      principal,
      region: "us-east-1",
      requests: [{ action: "s3:GetObject", resource, context: {} }],
    });
    // The action's first resource test made an empty prefix, which every resource starts with.
    const restore = forgingIndexZero((value) =>
      typeof value === "object" && value !== null && Object.hasOwn(value, "p")
        ? Object.freeze({ p: "" })
        : value,
    );
    try {
      // Refused: the engine's own lists would be handed to the setter.
      expect(policy.evaluate(get("arn:aws:s3:::public/a")).allow).toBe(false);
    } finally {
      restore();
    }
    expect(policy.evaluate(get("arn:aws:s3:::public/b")).allow).toBe(true);
    expect(policy.evaluate(get("arn:aws:s3:::secret/a")).allow).toBe(false);
  });
});

describe("code that puts an object into a built-in prototype's chain", () => {
  const undo: Array<() => void> = [];
  afterEach(() => {
    for (const restore of undo.splice(0)) restore();
  });

  /**
   * Puts a proxy between `Array.prototype` and `Object.prototype` whose `set` trap is handed
   * every value written to a missing index of any array, and writes it through: no member is
   * added to either prototype.
   */
  function underArrays(seen: (value: unknown) => void): () => void {
    let inTrap = false;
    const between = new Proxy(Object.create(Object.prototype) as object, {
      set(target, key, value, receiver) {
        if (!inTrap && Array.isArray(receiver)) {
          inTrap = true;
          try {
            seen(value);
          } finally {
            inTrap = false;
          }
        }
        return Reflect.set(target, key, value, receiver);
      },
    });
    Object.setPrototypeOf(Array.prototype, between);
    const restore = () => Object.setPrototypeOf(Array.prototype, Object.prototype);
    undo.push(restore);
    return restore;
  }

  const noDelete: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Sid: "All", Effect: "Allow", Action: "s3:*", Resource: "*" },
      { Sid: "NoDelete", Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" },
    ],
  };

  it("makes loadPolicy refuse, before a compiled Deny could be handed to it and made an Allow", async () => {
    let handed = 0;
    const restore = underArrays((value) => {
      const statement = value as { effect?: unknown; ref?: { effect?: unknown } } | null;
      if (typeof statement === "object" && statement !== null && statement.effect === "Deny") {
        handed += 1;
        statement.effect = "Allow";
        if (statement.ref) statement.ref.effect = "Allow";
        queueMicrotask(restore);
      }
    });
    const refused = await loadPolicy({ iam: [noDelete], checkActions: false }).catch(
      (error: unknown) => error,
    );
    restore();
    expect(refused).toBeInstanceOf(PolicyLoadError);
    expect(refused).toMatchObject({ code: "ChangedPrototype" });
    expect((refused as Error).message).toMatch(
      /Array\.prototype no longer inherits from Object\.prototype/,
    );
    expect(handed).toBe(0);
  });

  it("keeps no context entries while a hook under String.prototype runs mid-evaluation", async () => {
    const sse = "s3:x-amz-server-side-encryption";
    const policy = await loadPolicy({
      iam: [
        {
          name: "kms.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "s3:*", Resource: "*" },
              {
                Sid: "RequireKms",
                Effect: "Deny",
                Action: "s3:PutObject",
                Resource: "*",
                Condition: { StringNotEquals: { [sse]: "aws:kms" } },
              },
              {
                Sid: "NoBadNet",
                Effect: "Deny",
                Action: "s3:ListBucket",
                Resource: "*",
                Condition: { IpAddress: { "aws:SourceIp": "192.0.2.0/24" } },
              },
            ],
          },
        },
      ],
      checkActions: false,
    });
    // The frozen context a mapping hands to every call of a kind, and to anyone asking.
    const shared = Object.freeze({ [sse]: "AES256" });
    const request = (action: string) => ({
      action,
      resource: "arn:aws:s3:::orders/a",
      context: shared,
    });
    policy.evaluate({ principal, region: "us-east-1", requests: [request("s3:PutObjectTagging")] });
    const entries: unknown[][] = [];
    const hooks = Object.create(Object.prototype) as object;
    // Splitting an IPv6 address runs this after the input was read; it puts the trap in place.
    Object.defineProperty(hooks, Symbol.split, {
      configurable: true,
      value(this: string, text: string) {
        if (undo.length < 2)
          underArrays((value) => {
            if (Array.isArray(value) && value[0] === sse) entries.push(value);
          });
        const parts: string[] = [];
        let from = 0;
        for (let at = text.indexOf(this, from); at >= 0; at = text.indexOf(this, from)) {
          Reflect.defineProperty(parts, parts.length, {
            value: text.slice(from, at),
            writable: true,
            enumerable: true,
            configurable: true,
          });
          from = at + this.length;
        }
        Reflect.defineProperty(parts, parts.length, {
          value: text.slice(from),
          writable: true,
          enumerable: true,
          configurable: true,
        });
        return parts;
      },
    });
    Object.setPrototypeOf(String.prototype, hooks);
    undo.push(() => Object.setPrototypeOf(String.prototype, Object.prototype));
    policy.evaluate({
      principal,
      region: "us-east-1",
      requests: [
        {
          action: "s3:ListBucket",
          resource: "arn:aws:s3:::orders",
          context: { "aws:SourceIp": "::1" },
        },
        request("s3:PutObjectTagging"),
      ],
    });
    for (const restore of undo.splice(0).reverse()) restore();
    for (const entry of entries) {
      if (Object.isFrozen(entry)) continue;
      entry[1] = JSON.stringify("aws:kms");
      entry[3] = "aws:kms";
    }
    // The documents deny an upload encrypted with AES256.
    expect(
      policy.evaluate({ principal, region: "us-east-1", requests: [request("s3:PutObject")] })
        .allow,
    ).toBe(false);
  });
});

describe("loadPolicy while code in the process has changed a prototype", () => {
  it("compiles nothing a setter there would be handed, and says why", async () => {
    const handed = new Set<unknown>();
    const prototype = Array.prototype as unknown as Record<number, unknown>;
    for (let i = 0; i < 4; i++)
      Object.defineProperty(prototype, i, {
        configurable: true,
        set(this: unknown[], value: unknown) {
          handed.add(this);
          Object.defineProperty(this, i, {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
          });
        },
      });
    let refused: unknown;
    try {
      await loadPolicy({
        iam: [
          {
            name: "deny.json",
            document: {
              Version: "2012-10-17",
              Statement: [
                { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::secret/*" },
              ],
            },
          },
        ],
        checkActions: false,
      });
    } catch (error) {
      refused = error;
    } finally {
      for (let i = 0; i < 4; i++) delete prototype[i];
    }
    expect(refused).toBeInstanceOf(PolicyLoadError);
    expect((refused as PolicyLoadError).code).toBe("ChangedPrototype");
    expect((refused as Error).message).toMatch(/Array\.prototype has the indexes 0, 1, 2, 3/);
    // Nothing of a compiled policy was written where the setters could keep it.
    expect(
      [...handed].some((list) => Array.isArray(list) && list.some((entry) => has(entry, "effect"))),
    ).toBe(false);
  });

  it("compiles a document as the JSON it reads as: a getter in it that adds a setter is read before the check", async () => {
    const handed = new Set<unknown>();
    const prototype = Array.prototype as unknown as Record<number, unknown>;
    const count = 64;
    // The setter goes in while the document is read and takes itself out once it is handed a
    // compiled statement, so that both prototype checks find nothing.
    const addSetters = () => {
      for (let i = 0; i < count; i++)
        Object.defineProperty(prototype, i, {
          configurable: true,
          set(this: unknown[], value: unknown) {
            handed.add(this);
            if (has(value, "effect")) {
              for (let j = 0; j < count; j++) delete prototype[j];
              setImmediate(() => {
                for (const entry of this) (entry as { effect: string }).effect = "Allow";
              });
            }
            Object.defineProperty(this, i, {
              value,
              writable: true,
              enumerable: true,
              configurable: true,
            });
          },
        });
    };
    const statements = [
      { Effect: "Allow", Action: "s3:*", Resource: "*" },
      { Effect: "Deny", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::secret/*" },
    ];
    const document = {
      Version: "2012-10-17",
      get Statement() {
        addSetters();
        return statements;
      },
    };
    let refused: unknown;
    try {
      await loadPolicy({
        iam: [{ name: "getter.json", document: document as unknown as PolicyDocument }],
        checkActions: false,
      });
    } catch (error) {
      refused = error;
    } finally {
      for (let i = 0; i < count; i++) delete prototype[i];
    }
    expect(refused).toBeInstanceOf(PolicyLoadError);
    expect((refused as PolicyLoadError).code).toBe("ChangedPrototype");
    expect(
      [...handed].some((list) => Array.isArray(list) && list.some((entry) => has(entry, "effect"))),
    ).toBe(false);
  });

  it("names the document it cannot read as JSON", async () => {
    const looped: Record<string, unknown> = { Version: "2012-10-17" };
    looped["Statement"] = [{ Effect: "Allow", Action: "s3:*", Resource: "*", Loop: looped }];
    const refused = await loadPolicy({
      iam: [{ name: "looped.json", document: looped as unknown as PolicyDocument }],
      checkActions: false,
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PolicyLoadError);
    expect(refused).toMatchObject({
      code: "MalformedDocument",
      location: { document: "looped.json" },
    });
    expect((refused as Error).message).toMatch(/cannot be read as JSON: .*circular/i);
  });
});

function has(value: unknown, name: string): boolean {
  return typeof value === "object" && value !== null && Object.hasOwn(value, name);
}

describe("a setter on Array.prototype that takes itself away while the input is read", () => {
  /**
   * Puts a setter on `Array.prototype[0]` that, for a value `take` picks, leaves a getter on the
   * list written to (`answer` says what it reads as, by reads of all such getters) and writes anything else
   * through. The input's `region` getter, read after its requests, takes the setter away, so
   * every prototype check after the read finds nothing.
   */
  function takingHold(
    take: (value: unknown) => boolean,
    answer: (value: unknown, reads: number) => unknown,
  ): { region: string } {
    // Counted across every list the setter takes hold of.
    let reads = 0;
    Object.defineProperty(Array.prototype, "0", {
      configurable: true,
      set(this: unknown[], value: unknown) {
        Object.defineProperty(
          this,
          "0",
          take(value)
            ? { enumerable: true, configurable: true, get: () => answer(value, ++reads) }
            : { value, writable: true, enumerable: true, configurable: true },
        );
      },
    });
    return {
      get region() {
        delete (Array.prototype as unknown as Record<string, unknown>)[0];
        return "us-east-1";
      },
    };
  }
  afterEach(() => {
    delete (Array.prototype as unknown as Record<string, unknown>)[0];
  });

  const aclDenied: PolicyDocument = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::orders/*" },
      {
        Effect: "Deny",
        Action: "s3:PutObject",
        Resource: "*",
        Condition: { StringEquals: { "s3:x-amz-acl": "public-read" } },
      },
    ],
  };
  // The ACL is unknown before the call, so the Deny may apply: refused.
  const victim = () => ({
    principal: { arn: "arn:aws:iam::123456789012:role/app" },
    region: "us-east-1",
    requests: [
      {
        action: "s3:PutObject",
        resource: "arn:aws:s3:::orders/a",
        unknownContext: ["s3:x-amz-acl"],
      },
    ],
  });

  for (const via of ["evaluate", "resourceEvaluator"] as const) {
    it(`never has the read's copy of a list answer differently later (${via})`, async () => {
      const policy = await loadPolicy({ iam: [{ name: "acl.json", document: aclDenied }] });
      // Not asked before the attack: what the victim's first call works out would be kept.
      // The unknown key reads as itself, except once, as a key no statement reads: a set of
      // unknown keys kept for the list would then leave the ACL out.
      const hostile = Object.defineProperties(
        {
          requests: [
            {
              action: "s3:PutObject",
              resource: "arn:aws:s3:::orders/z",
              unknownContext: ["s3:x-amz-acl"],
            },
          ],
        },
        Object.getOwnPropertyDescriptors(
          takingHold(
            (value) => value === "s3:x-amz-acl",
            (value, reads) => (reads === (via === "evaluate" ? 2 : 3) ? "foo:bar" : value),
          ),
        ),
      );
      const ask = () =>
        via === "evaluate"
          ? policy.evaluate(hostile as unknown as EvaluationInput)
          : policy.resourceEvaluator?.(hostile as unknown as EvaluationInput);
      expect(ask).not.toThrow();
      expect(policy.evaluate(victim()).allow).toBe(false);
    });
  }

  it("never has a resource evaluator decide another request than the one it read", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "reads.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::orders/*" },
            ],
          },
        },
      ],
      cache: false,
    });
    const live = { request: { action: "s3:DeleteObject", resource: "arn:aws:s3:::orders/a" } };
    const hostile = Object.defineProperties(
      { requests: [{ action: "s3:DeleteObject", resource: "arn:aws:s3:::orders/a" }] },
      Object.getOwnPropertyDescriptors(
        takingHold(
          (value) =>
            typeof value === "object" &&
            value !== null &&
            (value as { action?: unknown }).action === "s3:DeleteObject",
          () => live.request,
        ),
      ),
    );
    const evaluator = policy.resourceEvaluator?.(hostile as unknown as EvaluationInput);
    expect(evaluator?.evaluate("arn:aws:s3:::orders/b").allow).toBe(false);
    live.request = { action: "s3:GetObject", resource: "arn:aws:s3:::orders/a" };
    const later = evaluator?.evaluate("arn:aws:s3:::orders/c");
    expect(later?.allow).toBe(false);
    expect(later?.requests.map((r) => r.action)).not.toContain("s3:GetObject");
  });

  it("decides nothing while a setter swallows the engine's own list entries", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "public.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::public/*" },
              { Effect: "Deny", Action: "s3:PutObject", Resource: "arn:aws:s3:::secret/*" },
              { Effect: "Allow", Action: "s3:PutObject", Resource: "*" },
            ],
          },
        },
      ],
    });
    const input = (resource: string): EvaluationInput => ({
      region: "us-east-1",
      requests: [{ action: "s3:PutObject", resource }],
    });
    const evaluator = policy.resourceEvaluator?.(input("arn:aws:s3:::public/a"));
    expect(evaluator?.evaluate("arn:aws:s3:::public/a").allow).toBe(true);
    expect(evaluator?.evaluate("arn:aws:s3:::secret/x").allow).toBe(false);
    // Positions of matched patterns written to index 0 are swallowed and read back as the
    // first pattern's: the key of secret/y would be public/a's.
    const swallowed = new WeakSet<object>();
    Object.defineProperty(Array.prototype, "0", {
      configurable: true,
      get(this: object) {
        return swallowed.has(this) ? 0 : undefined;
      },
      set(this: unknown[], value: unknown) {
        if (typeof value === "number") swallowed.add(this);
        else
          Object.defineProperty(this, "0", {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
          });
      },
    });
    let decisions: Array<boolean | undefined> = [];
    try {
      decisions = [
        evaluator?.evaluate("arn:aws:s3:::secret/y").allow,
        policy.evaluate(input("arn:aws:s3:::secret/y")).allow,
      ];
    } finally {
      delete (Array.prototype as unknown as Record<string, unknown>)[0];
    }
    expect(decisions).toEqual([false, false]);
  });
});

describe("a list where a record belongs", () => {
  const added: string[] = [];
  /** A getter for a name on Array.prototype, which the prototype check does not list. */
  function onLists(name: string, get: () => unknown): void {
    Object.defineProperty(Array.prototype, name, { get, configurable: true, enumerable: false });
    added.push(name);
  }
  afterEach(() => {
    for (const name of added.splice(0))
      delete (Array.prototype as unknown as Record<string, unknown>)[name];
  });

  it("is refused, so no member of it is read through Array.prototype after the read", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "reads.json",
          document: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }],
          },
        },
      ],
      checkActions: false,
    });
    let reads = 0;
    onLists("action", () => "s3:GetObject");
    onLists("resource", () => {
      reads++;
      return "arn:aws:s3:::b/k";
    });
    for (const input of [
      { requests: [[]] },
      { principal: [], requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }] },
      { requests: [{ action: "s3:GetObject", resource: "arn:aws:s3:::b/k", context: [] }] },
      [],
    ]) {
      const refused = policy.evaluate(input as unknown as EvaluationInput);
      expect(refused.allow).toBe(false);
    }
    expect(reads).toBe(0);
  });

  it("cannot leave the policy's remembered unknown keys wrong for later requests", async () => {
    const policy = await loadPolicy({
      iam: [
        {
          name: "acl.json",
          document: {
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/*" },
              {
                Effect: "Deny",
                Action: "s3:PutObject",
                Resource: "*",
                Condition: { StringEquals: { "s3:x-amz-acl": "public-read" } },
              },
            ],
          },
        },
      ],
      checkActions: false,
    });
    const victim = () => ({
      requests: [
        {
          action: "s3:PutObject",
          resource: "arn:aws:s3:::b/k",
          unknownContext: ["s3:x-amz-acl"],
        },
      ],
    });
    expect(policy.evaluate(victim()).allow).toBe(false);
    // A list of unknown keys that iterates as nothing once, then as the ACL key.
    const list: string[] = ["zzz:Other"];
    let walks = 0;
    Object.defineProperty(list, Symbol.iterator, {
      value: function* () {
        walks++;
        if (walks > 1) yield "s3:x-amz-acl";
      },
    });
    onLists("action", () => "s3:PutObject");
    onLists("resource", () => "arn:aws:s3:::b/other");
    onLists("unknownContext", () => list);
    policy.evaluate({ requests: [[]] } as unknown as EvaluationInput);
    for (const name of added.splice(0))
      delete (Array.prototype as unknown as Record<string, unknown>)[name];
    expect(policy.evaluate(victim()).allow).toBe(false);
  });
});
