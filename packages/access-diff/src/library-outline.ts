import { declaredPackage, type SetFile } from "./policy-set.js";

const NOT_RULES = new Set(["default", "import", "package", "if", "else", "not", "some", "every"]);

/**
 * Each library module reduced to its package and the names of its rules (`name := true`),
 * for Regal: with the outline beside a set, `import data.keycard.authz` and references to
 * `authz.decision` resolve (and a misspelt rule still does not), at a third of the cost of
 * linting the whole library with every set. Library modules are `opa fmt` formatted, so each
 * rule starts at the beginning of a line.
 * @internal
 */
export function libraryOutline(library: ReadonlyArray<SetFile>): SetFile[] {
  return library.flatMap((file) => {
    const pkg = declaredPackage(file.text);
    if (!pkg) return [];
    const names = new Set<string>();
    for (const match of file.text.matchAll(/^([a-z_][A-Za-z0-9_]*)(?=[\s([:]|$)/gm)) {
      const name = match[1] ?? "";
      if (!NOT_RULES.has(name)) names.add(name);
    }
    const rules = [...names].sort().map((name) => `${name} := true`);
    return [{ path: file.path, text: `package ${pkg}\n\n${rules.join("\n")}\n` }];
  });
}
