import { execFileSync } from "node:child_process";
import { describe, expect, it, vi } from "vitest";
import { compress } from "../scripts/tables.js";

/** A service whose only action is a wildcard-only `PassRole`: what a forger would substitute. */
const FORGED_SERVICE = compress(JSON.stringify([["Write"], [["PassRole", 0, [], []]], []]));

/** The module as a process first loads it: nothing decoded or indexed yet. */
async function freshServiceData(): Promise<typeof import("./service-data.js")> {
  vi.resetModules();
  return import("./service-data.js");
}

describe("service tables read while String.prototype has a split method added", () => {
  it("are the generated ones, and stay so once the method is gone", async () => {
    const { hasService, serviceData } = await freshServiceData();
    const prototype = String.prototype as unknown as Record<symbol, unknown>;
    // Code in the process that answers every split with a list of its own: read as the service
    // keys, it would put S3's tables under another service's name.
    Object.defineProperty(prototype, Symbol.split, {
      value: () => ["s3-object-lambda", "s3"],
      configurable: true,
      writable: true,
    });
    try {
      expect(hasService("s3")).toBe(true);
      expect(serviceData("s3").actionNames).toContain("PutBucketPolicy");
    } finally {
      delete prototype[Symbol.split];
    }
    expect(hasService("a2c")).toBe(true);
    expect(serviceData("s3").actionNames).toContain("PutBucketPolicy");
    expect(serviceData("s3-object-lambda").actionNames).not.toContain("PutBucketPolicy");
    expect(serviceData("sqs").actionNames).toContain("SendMessage");
  });
});

/** Runs `run` while every index below `count` of `Array.prototype` is an accessor. */
function withArrayPrototypeAccessors(
  count: number,
  accessor: { get?: () => unknown; set?: (this: unknown, value: unknown) => void },
  run: () => Promise<void>,
): Promise<void> {
  const prototype = Array.prototype as unknown as Record<number, unknown>;
  for (let i = 0; i < count; i++)
    Object.defineProperty(prototype, i, { ...accessor, configurable: true });
  return run().finally(() => {
    for (let i = 0; i < count; i++) delete prototype[i];
  });
}

describe("service tables while Array.prototype has indexes of its own", () => {
  it("never hand the package's own lists to a setter there while it loads", () => {
    // Code loaded before keycard keeps every list a write hands its setters (and writes the
    // value through, so nothing seems amiss), removes them, and later forges every entry of each
    // list that looked like the package's table of service groups. In a process of its own:
    // the setters would see every list the test runner writes too.
    const script = `
      const handed = new Set();
      const prototype = Array.prototype;
      for (let i = 0; i < 64; i++)
        Object.defineProperty(prototype, i, {
          configurable: true,
          set(value) {
            Object.defineProperty(this, i, { value, writable: true, enumerable: true, configurable: true });
            handed.add(this);
          },
        });
      const reference = await import(${JSON.stringify(new URL("./index.ts", import.meta.url).href)});
      for (let i = 0; i < 64; i++) delete prototype[i];
      const forged = new Array(24).fill("${FORGED_SERVICE}");
      for (const list of handed)
        if (Array.isArray(list) && list.every((entry) => entry === undefined))
          for (let i = 0; i < list.length; i++) list[i] = forged;
      console.log(JSON.stringify(reference.iamActionsForServiceSync("iam")));
    `;
    const out = execFileSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        encoding: "utf8",
      },
    );
    const actions = JSON.parse(out.trim().split("\n").pop()!) as string[];
    expect(actions).toContain("PassRole");
    expect(actions.length).toBeGreaterThan(100);
  });

  it("never read an action's details from there", async () => {
    const { serviceData } = await freshServiceData();
    const actions = serviceData("s3").actions;
    let details: unknown;
    await withArrayPrototypeAccessors(
      2000,
      {
        get: () => ({
          name: "GetObject",
          accessLevel: "Read",
          resourceTypes: [],
          conditionKeys: [],
        }),
      },
      async () => {
        details = actions.get("deleteobject");
      },
    );
    expect(details).toMatchObject({ name: "DeleteObject", accessLevel: "Write" });
    expect(actions.get("deleteobject")).toMatchObject({ name: "DeleteObject" });
  });
});

describe("service tables first read while code has replaced a built-in method", () => {
  it("file every action under its own name, and keep doing so once the method is back", async () => {
    const { serviceData } = await freshServiceData();
    const strings = String.prototype as unknown as Record<string, unknown>;
    const arrays = Array.prototype as unknown as Record<symbol, unknown>;
    const toLowerCase = strings["toLowerCase"];
    const iterator = arrays[Symbol.iterator];
    // Every name lower-cased as "getobject", every list iterated as empty.
    strings["toLowerCase"] = () => "getobject";
    arrays[Symbol.iterator] = function* () {};
    let deleteObject: unknown;
    try {
      deleteObject = serviceData("s3").actions.get("deleteobject");
    } finally {
      strings["toLowerCase"] = toLowerCase;
      arrays[Symbol.iterator] = iterator;
    }
    expect(deleteObject).toMatchObject({ name: "DeleteObject", accessLevel: "Write" });
    expect(serviceData("s3").actions.get("getobject")).toMatchObject({ name: "GetObject" });
    expect(serviceData("s3").actions.get("putobject")).toMatchObject({ name: "PutObject" });
  });
});
