// A default import: applications bundled for ESM commonly declare their own `createRequire` in a
// banner, which a named import would collide with.
import nodeModule from "node:module";
import type * as SchemaModule from "@smithy/core/schema";

/**
 * The SDK's schema reader, `@smithy/core/schema`, loaded as the SDK loads it. Installed from
 * npm, the SDK's clients `require` its CommonJS build; importing that build from an ES module
 * makes Node scan the whole file for its export names, about 10 ms of start-up for a module the
 * process already holds. Requiring it returns the loaded module. In a bundle, where nothing is
 * installed beside the code, `require` finds nothing and the copy the bundler included is
 * imported instead.
 */
async function load(): Promise<typeof SchemaModule> {
  try {
    return nodeModule.createRequire(import.meta.url)("@smithy/core/schema") as typeof SchemaModule;
  } catch {
    return import("@smithy/core/schema");
  }
}

/** The SDK's reader of its compact schema encoding. @internal */
export const { NormalizedSchema } = await load();
