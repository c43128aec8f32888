import { FleetError } from "./errors.js";

/** The parts of a bundle's `.manifest` keycard reads. @public */
export interface BundleManifest {
  /** The bundle's revision, as the publisher set it; `""` when none. */
  revision: string;
  /** The data and package paths the bundle owns; `[""]` (everything) when none. */
  roots: string[];
  /** Everything else the manifest holds, kept as written. */
  [key: string]: unknown;
}

/** Reads `.manifest` (absent means the defaults). @internal */
export function parseManifest(body: Uint8Array | undefined): BundleManifest {
  if (!body) return { revision: "", roots: [""] };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (cause) {
    throw new FleetError("ManifestInvalid", ".manifest is not valid JSON", { cause });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FleetError("ManifestInvalid", ".manifest is not a JSON object");
  }
  const m = value as Record<string, unknown>;
  if (m.revision !== undefined && typeof m.revision !== "string") {
    throw new FleetError("ManifestInvalid", ".manifest revision must be a string");
  }
  if (
    m.roots !== undefined &&
    (!Array.isArray(m.roots) || m.roots.some((r) => typeof r !== "string"))
  ) {
    throw new FleetError("ManifestInvalid", ".manifest roots must be a list of strings");
  }
  return {
    ...m,
    revision: (m.revision as string | undefined) ?? "",
    roots: (m.roots as string[] | undefined) ?? [""],
  };
}

function underRoot(path: string, roots: ReadonlyArray<string>): boolean {
  return roots.some((root) => root === "" || path === root || path.startsWith(`${root}/`));
}

/**
 * Checks that the bundle stays inside its roots, as OPA does when it activates a bundle:
 * every top-level data document and every Rego package lies under one of them.
 * @internal
 */
export function checkRoots(manifest: BundleManifest, files: ReadonlyMap<string, Uint8Array>): void {
  const roots = manifest.roots.map((r) => r.replace(/^\/+|\/+$/g, ""));
  for (const [path, body] of files) {
    const base = path.slice(path.lastIndexOf("/") + 1);
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    if (base === "data.json") {
      let data: unknown;
      try {
        data = JSON.parse(new TextDecoder().decode(body));
      } catch (cause) {
        throw new FleetError("ManifestInvalid", `${path} is not valid JSON`, { cause });
      }
      const keys =
        typeof data === "object" && data !== null && !Array.isArray(data) ? Object.keys(data) : [];
      for (const key of keys) {
        const docPath = dir ? `${dir}/${key}` : key;
        if (!underRoot(docPath, roots)) {
          throw new FleetError(
            "ManifestInvalid",
            `${path} writes data.${docPath.replaceAll("/", ".")}, outside the bundle's roots ${JSON.stringify(manifest.roots)}`,
          );
        }
      }
    } else if (base.endsWith(".rego")) {
      const match = /^\s*package\s+([A-Za-z0-9_.]+)/m.exec(new TextDecoder().decode(body));
      const pkg = match?.[1]?.replace(/^data\./, "").replaceAll(".", "/");
      if (pkg !== undefined && !underRoot(pkg, roots)) {
        throw new FleetError(
          "ManifestInvalid",
          `${path} declares package ${match?.[1]}, outside the bundle's roots ${JSON.stringify(manifest.roots)}`,
        );
      }
    }
  }
}
