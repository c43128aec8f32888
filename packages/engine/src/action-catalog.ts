import type { SourceDocument } from "./compile.js";
import type { PolicyWarning } from "./errors.js";

/**
 * Looks every action a document names up in the IAM reference data. Unknown actions are
 * warnings, not errors: the data trails new AWS launches by days.
 * @internal
 */
export async function unknownActionWarnings(sources: SourceDocument[]): Promise<PolicyWarning[]> {
  // Imported here, not at the top: the engine is published as one module, and a static import
  // in it would load the IAM reference with the engine even when `checkActions` is off.
  const { iamActionExists, iamServiceExists } = await import("@keycard/iam-reference");
  const warnings: PolicyWarning[] = [];
  for (const source of sources) {
    const doc = source.document as { Statement?: unknown };
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    for (const [statementIndex, statement] of statements.entries()) {
      const record = statement as Record<string, unknown>;
      for (const element of ["Action", "NotAction"] as const) {
        const value = record[element];
        if (value === undefined) continue;
        for (const action of Array.isArray(value) ? value : [value]) {
          if (typeof action !== "string" || action === "*") continue;
          const [service = "", name = ""] = action.split(":");
          const location = { document: source.name, statementIndex, element };
          if (/[*?]/.test(service)) continue;
          if (!(await iamServiceExists(service.toLowerCase()))) {
            warnings.push({
              code: "UnknownService",
              message: `${source.name}, statement ${statementIndex}, ${element}: unknown service prefix "${service}" in "${action}"`,
              location,
            });
            continue;
          }
          if (/[*?]/.test(name)) continue;
          if (!(await iamActionExists(service.toLowerCase(), name.toLowerCase()))) {
            warnings.push({
              code: "UnknownAction",
              message: `${source.name}, statement ${statementIndex}, ${element}: unknown action "${action}"`,
              location,
            });
          }
        }
      }
    }
  }
  return warnings;
}
