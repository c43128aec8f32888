import { describe, expect, it } from "vitest";
import { map } from "./test-utils/map.js";
import { inputMembersOf } from "./test-utils/sdk-members.js";
import type { AuthorizationRequest } from "./types.js";

/*
 * Every way a RunInstances call can set tags, from a small alphabet, checked against both
 * readings AWS could apply to a request: each resource's own tags (`Tags` and the
 * `TagSpecifications` entry for its type; EC2's documented behaviour) and every tag of the call
 * merged. Whatever keycard states must hold under both: a value it gives is the only value the
 * key can have, keys it gives are the keys, and a key it leaves absent is absent.
 */

type Tag = { Key: string; Value?: string };
type Spec = { ResourceType?: string; Tags: Tag[] };

const TAG_SETS: Tag[][] = [
  [{ Key: "env", Value: "prod" }],
  [{ Key: "env", Value: "dev" }],
  [{ Key: "team", Value: "a" }],
  [{ Key: "env" }],
  [
    { Key: "env", Value: "prod" },
    { Key: "team", Value: "a" },
  ],
];
const SPEC_TYPES: Array<string | undefined> = [
  "instance",
  "volume",
  "network-interface",
  "Instance",
  undefined,
];
const SPECS: Array<Spec | undefined> = [
  undefined,
  ...SPEC_TYPES.flatMap((type) =>
    TAG_SETS.map((tags) =>
      type === undefined ? { Tags: tags } : { ResourceType: type, Tags: tags },
    ),
  ),
];
const TOP: Array<Tag[] | undefined> = [
  undefined,
  [{ Key: "env", Value: "prod" }],
  [{ Key: "Env", Value: "dev" }],
];
/** Keys any case above uses, lower-cased: a key keycard leaves absent must be absent. */
const UNIVERSE = ["env", "team"];
const MEMBERS = inputMembersOf("@aws-sdk/client-ec2", "RunInstances");

/** The tags of one reading, as possible values per lower-case key (any may win a merge). */
function reading(tags: readonly Tag[]): {
  values: Map<string, Set<string | undefined>>;
  keys: Set<string>;
} {
  const values = new Map<string, Set<string | undefined>>();
  const keys = new Set<string>();
  for (const tag of tags) {
    keys.add(tag.Key);
    const lower = tag.Key.toLowerCase();
    let set = values.get(lower);
    if (set === undefined) {
      set = new Set();
      values.set(lower, set);
    }
    // A tag without a value: AWS may have "" or no key at all.
    set.add(tag.Value);
  }
  return { values, keys };
}

function typeOf(request: AuthorizationRequest): string | undefined {
  return /:ec2:[^:]*:[^:]*:([a-z-]+)\//.exec(request.resource)?.[1];
}

/** What keycard states for one key of a request, case-insensitively. */
function stated(request: AuthorizationRequest, lower: string) {
  const context = request.context ?? {};
  const unknown = (request.unknownContext ?? []).map((k) => k.toLowerCase());
  const valued = Object.entries(context).filter(
    ([k]) => k.toLowerCase() === `aws:requesttag/${lower}`,
  );
  const isUnknown =
    unknown.includes(`aws:requesttag/${lower}`) || unknown.includes("aws:requesttag/*");
  return { valued, isUnknown };
}

describe("request tags hold under either reading of a RunInstances call", () => {
  it("for every combination of Tags and two TagSpecifications entries", async () => {
    let checked = 0;
    for (const top of TOP) {
      for (const first of SPECS) {
        for (const second of SPECS) {
          const specs = [first, second].filter((s): s is Spec => s !== undefined);
          const input: Record<string, unknown> = { ImageId: "ami-1", MinCount: 1, MaxCount: 1 };
          if (top !== undefined) input["Tags"] = top;
          if (specs.length > 0) input["TagSpecifications"] = specs;
          const result = await map("EC2", "RunInstances", input, { inputMembers: MEMBERS });
          const where = JSON.stringify(input);
          expect(result.known, where).toBe(true);
          const all = [...(top ?? []), ...specs.flatMap((s) => s.Tags)];
          for (const request of result.requests) {
            const type = typeOf(request);
            const own = [
              ...(top ?? []),
              ...specs
                .filter(
                  (s) => s.ResourceType !== undefined && s.ResourceType.toLowerCase() === type,
                )
                .flatMap((s) => s.Tags),
            ];
            const listed =
              request.action === "ec2:CreateTags" ||
              ["instance", "volume", "network-interface"].includes(type ?? "");
            // Per resource, a type the reference does not list has no tags; merged, every
            // request of a listed type has them all.
            const readings = listed ? [reading(own), reading(all)] : [reading([])];
            for (const lower of UNIVERSE) {
              const { valued, isUnknown } = stated(request, lower);
              if (valued.length > 0) {
                for (const r of readings) {
                  const possible = r.values.get(lower);
                  expect(possible, `${where} ${request.resource} ${lower}`).toBeDefined();
                  expect([...possible!], `${where} ${request.resource} ${lower}`).toEqual([
                    valued[0]![1],
                  ]);
                }
              } else if (!isUnknown) {
                for (const r of readings)
                  expect(r.values.has(lower), `${where} ${request.resource} ${lower} absent`).toBe(
                    false,
                  );
              }
            }
            const keys = request.context?.["aws:TagKeys"];
            if (Array.isArray(keys)) {
              for (const r of readings)
                expect(new Set(keys), `${where} ${request.resource} aws:TagKeys`).toEqual(r.keys);
            } else if (!(request.unknownContext ?? []).includes("aws:TagKeys")) {
              for (const r of readings)
                expect(r.keys.size, `${where} ${request.resource} aws:TagKeys absent`).toBe(0);
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });
});
