import { type InputView, read } from "../input-view.js";
import type { ServiceRules } from "../service-rules.js";
import { unknownPart } from "../unknown-part.js";
import { accountFromMember } from "./cross-account.js";

const GLUE_ARN = /^arn:([^:]+):glue:([^:]*):([^:]*):(registry|schema)\/([^/]+)(?:\/(.+))?$/;

/**
 * AWS Glue: schema registry calls name the registry and schema inside `RegistryId` / `SchemaId`
 * (`{ RegistryName }`, `{ RegistryName, SchemaName }` or `{ RegistryArn }` / `{ SchemaArn }`; Glue
 * API reference, "Schema registry"), and CreateTable / UpdateTable / CreateDatabase name the new
 * table or database in `TableInput.Name` / `DatabaseInput.Name` (Glue API reference, CreateTable,
 * CreateDatabase). The ARNs are `registry/${RegistryName}` and
 * `schema/${RegistryName}/${SchemaName}` (Glue Developer Guide, "Schema registry ARNs"; the
 * Service Authorization Reference writes the schema ARN as `schema/${SchemaName}`).
 * @internal
 */
export const glueRules: ServiceRules = {
  variables: (call) => {
    const vars: Record<string, string | undefined> = {};
    // The catalog's account owns its databases and tables (Glue API reference, "CatalogId").
    Object.assign(vars, accountFromMember(call.input, "catalogid"));
    schemaIdentity(call.input, vars);
    if (call.input.get("TableName") === undefined) {
      const name = call.input.textOf(read(call.input.get("TableInput"), "Name"), "TableInput.Name");
      if (name !== undefined) vars["TableName"] = name;
    }
    if (call.input.get("DatabaseName") === undefined && call.input.get("Name") === undefined) {
      const name = call.input.textOf(
        read(call.input.get("DatabaseInput"), "Name"),
        "DatabaseInput.Name",
      );
      if (name !== undefined) vars["DatabaseName"] = name;
    }
    return Object.keys(vars).length > 0 ? vars : undefined;
  },
};

function schemaIdentity(input: InputView, vars: Record<string, string | undefined>) {
  const schema = input.get("SchemaId");
  const registry = input.get("RegistryId");
  const arn =
    input.textOf(read(schema, "SchemaArn"), "SchemaArn") ??
    input.textOf(read(registry, "RegistryArn"), "RegistryArn") ??
    input.textOf(read(schema, "RegistryArn"), "RegistryArn");
  const m = arn === undefined ? null : GLUE_ARN.exec(arn);
  if (m) {
    Object.assign(vars, { Partition: m[1]!, Region: m[2]!, Account: m[3]!, RegistryName: m[5]! });
    if (m[4] === "schema" && m[6] !== undefined) vars["SchemaName"] = `${m[5]}/${m[6]}`;
    return;
  }
  const registryName =
    input.textOf(read(schema, "RegistryName"), "RegistryName") ??
    input.textOf(read(registry, "RegistryName"), "RegistryName");
  if (registryName !== undefined) vars["RegistryName"] = registryName;
  const schemaName = input.textOf(read(schema, "SchemaName"), "SchemaName");
  // The reference's `${SchemaName}` is `registry/schema` in a real ARN.
  if (schemaName !== undefined) {
    vars["SchemaName"] = `${registryName ?? unknownPart("registry of the schema")}/${schemaName}`;
  }
}
