import type { ServiceRules } from "../service-rules.js";

/**
 * Calls whose `WorkGroup` is optional and that act in the `primary` workgroup without one (Athena
 * API reference: StartQueryExecution, CreateNamedQuery, ListNamedQueries, ListQueryExecutions).
 */
const PRIMARY_BY_DEFAULT: ReadonlySet<string> = new Set([
  "StartQueryExecution",
  "CreateNamedQuery",
  "ListNamedQueries",
  "ListQueryExecutions",
]);

/** Amazon Athena: the workgroup a call acts in when it names none. @internal */
export const athenaRules: ServiceRules = {
  variables: (call) => {
    if (!PRIMARY_BY_DEFAULT.has(call.operation)) return undefined;
    const given = call.input.get("WorkGroup");
    return given === undefined || given === null ? { WorkGroupName: "primary" } : undefined;
  },
};
