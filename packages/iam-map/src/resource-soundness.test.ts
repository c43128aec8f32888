import { describe, expect, it } from "vitest";
import { map } from "./test-utils/map.js";
import type { AuthorizationResult } from "./types.js";

/** Every request of one action: its resource and whether part of it is unknown. */
function resources(result: AuthorizationResult, action: string) {
  return result.requests
    .filter((r) => r.action === action)
    .map((r) => ({ resource: r.resource, unknown: r.resourceParts !== undefined }));
}

describe("a named resource is authorized, never a bare *", () => {
  const fn = "arn:aws:lambda:us-east-1:123456789012:function:prod";
  it.each([
    ["TagResource", { Resource: fn, Tags: { team: "a" } }, "lambda:TagResource"],
    ["UntagResource", { Resource: fn, TagKeys: ["team"] }, "lambda:UntagResource"],
    ["ListTags", { Resource: fn }, "lambda:ListTags"],
  ])("Lambda %s on the function its Resource names", async (op, input, action) => {
    const r = await map("Lambda", op, input);
    expect(resources(r, action)).toEqual([{ resource: fn, unknown: false }]);
  });

  it("RDS RemoveTagsFromResource and AddTagsToResource on the ResourceName ARN", async () => {
    const db = "arn:aws:rds:us-east-1:123456789012:db:prod";
    const rm = await map("RDS", "RemoveTagsFromResource", { ResourceName: db, TagKeys: ["a"] });
    expect(resources(rm, "rds:RemoveTagsFromResource")).toEqual([{ resource: db, unknown: false }]);
    const add = await map("RDS", "AddTagsToResource", {
      ResourceName: db,
      Tags: [{ Key: "a", Value: "b" }],
    });
    expect(resources(add, "rds:AddTagsToResource")).toEqual([{ resource: db, unknown: false }]);
  });

  it("EC2 DeleteTags and CreateTags on resource ids are unknown, not *", async () => {
    for (const op of ["DeleteTags", "CreateTags"]) {
      const r = await map("EC2", op, {
        Resources: ["i-0123456789abcdef0"],
        Tags: [{ Key: "a", Value: "b" }],
      });
      const got = resources(r, `ec2:${op}`);
      expect(got.length).toBeGreaterThan(0);
      for (const g of got) expect(g.unknown).toBe(true);
    }
  });

  it("a tagging call whose resource member holds no ARN is unknown", async () => {
    const r = await map("Lambda", "TagResource", { Resource: "prod", Tags: { a: "b" } });
    const got = resources(r, "lambda:TagResource");
    expect(got.length).toBeGreaterThan(0);
    for (const g of got) expect(g.unknown).toBe(true);
  });
});
