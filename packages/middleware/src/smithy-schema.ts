// A default import: applications bundled for ESM commonly declare their own `createRequire` in a
// banner, which a named import would collide with.
import nodeModule from "node:module";
import type * as ProtocolsModule from "@smithy/core/protocols";
import type * as SchemaModule from "@smithy/core/schema";

/**
 * A submodule of `@smithy/core`, loaded as the SDK loads it. Installed from npm, the SDK's
 * clients `require` its CommonJS build; importing that build from an ES module makes Node scan
 * the whole file for its export names, about 10 ms of start-up for a module the process already
 * holds. Requiring it returns the loaded module. In a bundle, where nothing is installed beside
 * the code, `require` finds nothing and the copy the bundler included is imported instead.
 */
async function load<Module>(name: string, bundled: () => Promise<Module>): Promise<Module> {
  try {
    return nodeModule.createRequire(import.meta.url)(name) as Module;
  } catch {
    return bundled();
  }
}

const [schema, protocols] = await Promise.all([
  load<typeof SchemaModule>("@smithy/core/schema", () => import("@smithy/core/schema")),
  load<typeof ProtocolsModule>("@smithy/core/protocols", () => import("@smithy/core/protocols")),
]);

/** The SDK's reader of its compact schema encoding. @internal */
export const { NormalizedSchema } = schema;

/**
 * How the SDK's HTTP protocols encode a path label: keycard compares the path the SDK
 * serialized with the input's labels. @internal
 */
export const { extendedEncodeURIComponent } = protocols;
