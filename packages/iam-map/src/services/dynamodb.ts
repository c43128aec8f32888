import type { Call } from "../call.js";
import type { VariableValues } from "../general-rule.js";
import { asString, isRecord, items, read, safeKeys } from "../input-view.js";
import type { ServiceRules } from "../service-rules.js";
import { unknownPart } from "../unknown-part.js";

/** Table variables for a `TableName` that may be a name or a table ARN. */
function tableVariables(table: string | undefined): VariableValues {
  if (table === undefined) return {};
  const arn = /^arn:([^:]+):dynamodb:([^:]*):([^:]*):table\/([^/]+)/.exec(table);
  if (arn) return { Partition: arn[1], Region: arn[2], Account: arn[3], TableName: arn[4] };
  return { TableName: table };
}

/** `dynamodb:Query`/`Scan` on an index are authorized on the index ARN alone. */
function indexable(action: string) {
  return (call: Call) => {
    const index = call.input.string("IndexName");
    if (index === undefined) call.require(action);
    else call.require(action, { resource: fillIndex(call, index) });
  };
}

/** The index ARN for the call's table (from `TableName` or a PartiQL statement). */
function fillIndex(call: Call, index: string): string {
  const v = call.variables ?? {};
  const region = (v["Region"] as string | undefined) ?? call.region ?? unknownPart("region");
  const account = (v["Account"] as string | undefined) ?? call.account ?? unknownPart("account");
  const partition = (v["Partition"] as string | undefined) ?? call.partition;
  const table = (v["TableName"] as string | undefined) ?? unknownPart("TableName");
  return `arn:${partition}:dynamodb:${region}:${account}:table/${table}/index/${index}`;
}

/** One request per table named by the keys of `RequestItems` (`BatchGetItem`, `BatchWriteItem`). */
function perTable(action: string) {
  return (call: Call) => {
    const requestItems = call.input.get("RequestItems");
    const tables = isRecord(requestItems) ? safeKeys(requestItems).slice(0, 100) : [];
    if (tables.length === 0) call.require(action, { variables: { TableName: undefined } });
    for (const table of tables) call.require(action, { variables: tableVariables(table) });
  };
}

/** Transaction items: the member holding each item, and the action AWS checks for it. */
const TRANSACT_ACTIONS: ReadonlyArray<readonly [string, string]> = [
  ["Get", "GetItem"],
  ["Put", "PutItem"],
  ["Update", "UpdateItem"],
  ["Delete", "DeleteItem"],
  ["ConditionCheck", "ConditionCheckItem"],
];

function transact(call: Call) {
  const seen = new Set<string>();
  for (const item of items(call.input.get("TransactItems"), 100)) {
    for (const [member, action] of TRANSACT_ACTIONS) {
      const table = asString(read(read(item, member), "TableName"));
      if (table === undefined || seen.has(`${action} ${table}`)) continue;
      seen.add(`${action} ${table}`);
      call.require(action, {
        variables: tableVariables(table),
        context: enclosing(call, action),
      });
    }
  }
  if (seen.size === 0)
    call.require(call.operation === "TransactGetItems" ? "GetItem" : "PutItem", {
      variables: { TableName: undefined },
    });
}

function enclosing(call: Call, action: string): Record<string, string> {
  const keys = call.action(action)?.conditionKeys ?? [];
  return keys.includes("dynamodb:EnclosingOperation")
    ? { "dynamodb:EnclosingOperation": call.operation }
    : {};
}

/** PartiQL statements are authorized as `PartiQLSelect`/`Insert`/`Update`/`Delete` on the table. */
function partiql(call: Call, statement: string | undefined) {
  const text = (statement ?? "").slice(0, 10_000);
  const verb = /^\s*(select|insert|update|delete|exists)/i.exec(text)?.[1]?.toLowerCase();
  const action =
    verb === "insert"
      ? "PartiQLInsert"
      : verb === "update"
        ? "PartiQLUpdate"
        : verb === "delete"
          ? "PartiQLDelete"
          : "PartiQLSelect";
  const target =
    /\b(?:from|into|update)\s+("(?:[^"]|"")+"|[A-Za-z0-9_.-]+)(?:\s*\.\s*("(?:[^"]|"")+"|[A-Za-z0-9_.-]+))?/i.exec(
      text,
    );
  const unquote = (s: string | undefined) => s?.replace(/^"|"$/g, "").replace(/""/g, '"');
  const table = unquote(target?.[1]);
  const index = unquote(target?.[2]);
  if (table === undefined) {
    call.require(action, { variables: { TableName: undefined } });
    return;
  }
  const variables = tableVariables(table);
  if (index !== undefined && action === "PartiQLSelect") {
    call.variables = Object.assign({}, call.variables, variables);
    call.require(action, { resource: fillIndex(call, index) });
  } else {
    call.require(action, { variables });
  }
}

/** Operations on items, whose requests may carry `dynamodb:LeadingKeys` and `dynamodb:Attributes`. */
const ITEM_OPERATIONS = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactGetItems",
  "TransactWriteItems",
]);

/** A scalar key value as DynamoDB compares it: `{S}` or `{N}` text; undefined otherwise. */
function scalar(value: unknown): string | undefined {
  return asString(read(value, "S")) ?? asString(read(value, "N"));
}

/** Top-level attribute names of a projection (`a, #b.c, d[0]`), names resolved; undefined if odd. */
function projected(expression: string, names: unknown): string[] | undefined {
  const out: string[] = [];
  for (const part of expression.slice(0, 4096).split(",")) {
    const head = part.trim().split(/[.[]/, 1)[0] ?? "";
    if (head.length === 0) return undefined;
    const name = head.startsWith("#") ? asString(read(names, head)) : head;
    if (name === undefined) return undefined;
    out.push(name);
  }
  return out;
}

/**
 * `dynamodb:LeadingKeys` and `dynamodb:Attributes` (DynamoDB Developer Guide, "Using IAM policy
 * conditions for fine-grained access control"). LeadingKeys is the partition key value: a key
 * with one attribute is the partition key; with two, which one is the partition key is in the
 * table's schema, which only the server knows, so the key is unknown. Attributes are the item's
 * names (PutItem) or the projection (GetItem, Query, Scan); anything else is unknown.
 */
function itemContext(call: Call) {
  const op = call.operation;
  if (!ITEM_OPERATIONS.has(op)) return;
  const into = call.callContext;
  const key = op === "PutItem" ? call.input.get("Item") : call.input.get("Key");
  const keyNames = isRecord(key) ? safeKeys(key) : [];
  const leading = keyNames.length === 1 ? scalar(read(key, keyNames[0]!)) : undefined;
  if (leading !== undefined) {
    into["dynamodb:LeadingKeys"] = [leading];
  } else {
    call.unknownContext.push("dynamodb:LeadingKeys");
  }
  let attributes: string[] | undefined;
  if (op === "PutItem") attributes = isRecord(key) ? safeKeys(key).slice(0, 100) : undefined;
  else {
    const toGet = call.input.get("AttributesToGet");
    const projection = call.input.string("ProjectionExpression");
    if (Array.isArray(toGet)) attributes = toGet.filter((n) => typeof n === "string").slice(0, 100);
    else if (projection !== undefined) {
      attributes = projected(projection, call.input.get("ExpressionAttributeNames"));
    }
  }
  if (attributes && attributes.length > 0) into["dynamodb:Attributes"] = attributes;
  else call.unknownContext.push("dynamodb:Attributes");
}

/**
 * Amazon DynamoDB: tables given as ARNs, index ARNs, several tables per batch or transaction,
 * PartiQL statements. @internal
 */
export const dynamodbRules: ServiceRules = {
  variables: (call) => {
    itemContext(call);
    return tableVariables(call.input.string("TableName"));
  },
  operations: {
    Query: indexable("Query"),
    Scan: indexable("Scan"),
    BatchGetItem: perTable("BatchGetItem"),
    BatchWriteItem: perTable("BatchWriteItem"),
    TransactGetItems: transact,
    TransactWriteItems: transact,
    ExecuteStatement: (call) => partiql(call, call.input.string("Statement")),
    ExecuteTransaction: (call) => {
      const statements = items(call.input.get("TransactStatements"), 100);
      if (statements.length === 0) partiql(call, undefined);
      for (const s of statements) partiql(call, asString(read(s, "Statement")));
    },
    BatchExecuteStatement: (call) => {
      const statements = items(call.input.get("Statements"), 100);
      if (statements.length === 0) partiql(call, undefined);
      for (const s of statements) partiql(call, asString(read(s, "Statement")));
    },
  },
};
