import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadPolicy, type Policy } from "@keycard/engine";
import { type Context, plural } from "./command.js";
import { buildBundle } from "./commands/build.js";
import { CliError } from "./errors.js";
import { type PolicySet, readPolicySet } from "./policy-set.js";
import { withProgress } from "./progress.js";
import { reportProblems } from "./report-problems.js";
import { validateSet } from "./validate.js";

/** A loaded policy and the set it came from (absent for a prebuilt bundle). @internal */
export interface LoadedSetPolicy {
  policy: Policy;
  set: PolicySet | undefined;
}

/**
 * Loads what `--policy` names: a bundle from `keycard build`, a single IAM document, or a
 * policy-set directory. A set with custom Rego is compiled to a temporary bundle first,
 * which needs the OPA CLI; a set of IAM JSON alone does not.
 * @internal
 */
export async function loadSetPolicy(
  context: Context,
  path: string,
  options: { opa: string | undefined; verb: string },
): Promise<LoadedSetPolicy> {
  if (path.endsWith(".tar.gz")) {
    return {
      policy: await loadPolicy({ bundle: resolve(context.io.cwd, path), cache: false }),
      set: undefined,
    };
  }
  const set = await readPolicySet(path, context.io.cwd, options.verb);
  const validation = validateSet(set);
  if (validation.problems.length > 0) {
    reportProblems(context, validation.problems, "error");
    throw new CliError(
      "InvalidPolicy",
      `${set.display} has ${plural(validation.problems.length, "invalid IAM document")}`,
      { verb: options.verb },
    );
  }
  if (set.modules.length === 0) {
    const iam = validation.documents.filter((d) => !d.boundary);
    const boundary = validation.documents.filter((d) => d.boundary);
    const policy = await withProgress(context.io, `loading ${set.display}`, () =>
      loadPolicy({ iam, ...(boundary.length > 0 ? { boundary } : {}), cache: false }),
    );
    return { policy, set };
  }
  const dir = await mkdtemp(join(tmpdir(), "keycard-bundle-"));
  try {
    const built = await buildBundle(context, set, join(dir, "bundle.tar.gz"), {
      opa: options.opa,
      verb: options.verb,
      documents: validation.documents,
    });
    return { policy: built.policy, set };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
