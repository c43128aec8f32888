import type { Call } from "../call.js";
import type { VariableValues } from "../general-rule.js";
import { asString, isRecord, read, safeKeys } from "../input-view.js";
import type { ReusableMembers } from "../mapping-reuse.js";
import { ownMember } from "../object-prototype.js";
import type { ServiceRules } from "../service-rules.js";
import { unknownPart } from "../unknown-part.js";
import { partiqlTarget } from "./partiql.js";

/** A table ARN: its partition, region, account and table name. */
const TABLE_ARN = /^arn:([^:]+):dynamodb:([^:]*):([^:]*):table\/([^/]+)/;

/** Table variables for a `TableName` that may be a name or a table ARN. */
function tableVariables(table: string | undefined): VariableValues {
  if (table === undefined) return {};
  // Most calls name the table, not its ARN: the expression runs only for an ARN.
  const arn = table.startsWith("arn:") ? TABLE_ARN.exec(table) : null;
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
    const tables = isRecord(requestItems) ? safeKeys(requestItems) : [];
    // One request per table: a batch names at most 100 items, so more tables cannot be real.
    if (tables.length > 100) call.input.unreadable("RequestItems (more than 100 tables)");
    if (tables.length === 0) call.require(action, { variables: { TableName: undefined } });
    for (const table of tables) {
      // A table name holding marker characters could forge an unknown part.
      if (asString(table) === undefined) call.input.unreadable("RequestItems");
      else call.require(action, { variables: tableVariables(table) });
    }
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
  for (const item of call.input.list(call.input.get("TransactItems"), "TransactItems", 100)) {
    for (const [member, action] of TRANSACT_ACTIONS) {
      const table = call.input.textOf(read(read(item, member), "TableName"), "TableName");
      if (table === undefined || seen.has(`${action} ${table}`)) continue;
      seen.add(`${action} ${table}`);
      call.require(action, {
        variables: tableVariables(table),
        context: enclosing(call, action),
      });
    }
  }
  if (seen.size === 0) {
    const action = call.operation === "TransactGetItems" ? "GetItem" : "PutItem";
    call.require(action, { variables: { TableName: undefined }, context: enclosing(call, action) });
  }
}

function enclosing(call: Call, action: string): Record<string, string> {
  const keys = call.action(action)?.conditionKeys ?? [];
  return keys.includes("dynamodb:EnclosingOperation")
    ? { "dynamodb:EnclosingOperation": call.operation }
    : {};
}

/** PartiQL statements are authorized as `PartiQLSelect`/`Insert`/`Update`/`Delete` on the table. */
function partiql(call: Call, statement: string | undefined) {
  const { action, table, index } = partiqlTarget(statement);
  // Not a statement of a kind keycard knows (or one that starts with a comment): which action
  // AWS checks is unknown, so the call is not mapped.
  if (action === undefined) {
    call.input.unreadable("Statement");
    return;
  }
  if (table === undefined) {
    call.require(action, { variables: { TableName: undefined } });
    return;
  }
  const variables = tableVariables(table);
  if (index !== undefined) {
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

/** Operations whose `Select` always has a value, given or AWS's default. */
const SELECTING = new Set(["Query", "Scan"]);

/** Members naming attributes a scan filter or a conditional write evaluates. */
const EVALUATING_MEMBERS = [
  "FilterExpression",
  "ConditionExpression",
  "ScanFilter",
  "QueryFilter",
  "Expected",
] as const;

/**
 * Whether the call gives a filter or a condition (any value the SDK would send, even empty), or
 * a key condition on an index, whose key attributes are not the table's.
 */
function evaluatesOtherAttributes(call: Call): boolean {
  for (const member of EVALUATING_MEMBERS) if (gives(call, member)) return true;
  return (
    gives(call, "IndexName") &&
    (gives(call, "KeyConditionExpression") || gives(call, "KeyConditions"))
  );
}

/** Whether the call gives the member a value the SDK sends (anything but undefined or null). */
function gives(call: Call, member: string): boolean {
  const value = call.input.get(member);
  return value !== undefined && value !== null;
}

/**
 * Operations whose own `ProjectionExpression` or `AttributesToGet` names the attributes AWS
 * checks. Others have no such member (an update's or a delete's attributes are others), and one
 * given anyway is not sent: it must not make the key known.
 */
const PROJECTING = new Set(["GetItem", "Query", "Scan"]);

/** Most attribute names read into `dynamodb:Attributes`; more make the key unknown. */
const MAX_ATTRIBUTES = 10_000;

/** A scalar key value as DynamoDB compares it: `{S}` or `{N}` text; undefined otherwise. */
function scalar(value: unknown): string | undefined {
  return asString(read(value, "S")) ?? asString(read(value, "N"));
}

/**
 * The longest projection read, DynamoDB's limit on an expression (4 KB): a longer one is unknown
 * as a whole, never read in part, since the attributes past any cut would go unchecked.
 */
const MAX_PROJECTION = 4096;

/** Top-level attribute names of a projection (`a, #b.c, d[0]`), names resolved; undefined if odd. */
function projected(expression: string, names: unknown): string[] | undefined {
  if (expression.length > MAX_PROJECTION) return undefined;
  const out: string[] = [];
  for (const part of expression.split(",")) {
    const path = part.trim();
    const head = path.slice(0, topLevelEnd(path));
    // Only a name the expression grammar allows: `a .b` names `a` to DynamoDB, which skips the
    // space, and anything unforeseen is unknown rather than a name AWS never sees.
    if (!attributeToken(head)) return undefined;
    const name = head.startsWith("#") ? asString(read(names, head)) : head;
    if (name === undefined) return undefined;
    out.push(name);
  }
  return out;
}

/** A plain attribute name (`[A-Za-z][A-Za-z0-9_]*`) or a `#name` placeholder (`#[A-Za-z0-9_]+`). */
function attributeToken(text: string): boolean {
  const placeholder = text.charCodeAt(0) === 35; /* # */
  if (text.length < (placeholder ? 2 : 1)) return false;
  for (let i = placeholder ? 1 : 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    const digit = c >= 48 && c <= 57;
    if (!letter && !(i > 0 && (digit || c === 95))) return false;
  }
  return true;
}

/** Where a document path's top-level attribute ends: at its first `.` or `[`, or at its end. */
function topLevelEnd(path: string): number {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 46 /* . */ || c === 91 /* [ */) return i;
  }
  return path.length;
}

/**
 * `dynamodb:LeadingKeys` and `dynamodb:Attributes` (DynamoDB Developer Guide, "Using IAM policy
 * conditions for fine-grained access control"). LeadingKeys is the partition key value: a key
 * with one attribute is the partition key; with two, which one is the partition key is in the
 * table's schema, which only the server knows, so the key is unknown. Attributes are the item's
 * names (PutItem) or the projection (GetItem, Query, Scan); anything else is unknown, and so is
 * a call whose filter or condition names attributes of its own. `Select` left out of a Query or
 * Scan is unknown: AWS has its default there.
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
  // Every name is in the key AWS evaluates (a ForAllValues condition must see them all), so a
  // list too long to read makes the key unknown rather than cut short.
  if (op === "PutItem") {
    const names = isRecord(key) ? safeKeys(key) : undefined;
    attributes = names && names.length <= MAX_ATTRIBUTES ? names : undefined;
  } else if (PROJECTING.has(op)) {
    const toGet = call.input.get("AttributesToGet");
    const projection = call.input.string("ProjectionExpression");
    if (Array.isArray(toGet)) {
      attributes =
        toGet.length <= MAX_ATTRIBUTES
          ? call.input.strings(toGet, "AttributesToGet", MAX_ATTRIBUTES)
          : undefined;
      if (attributes && attributes.length !== toGet.length) attributes = undefined;
    } else if (projection !== undefined) {
      attributes = projected(projection, call.input.get("ExpressionAttributeNames"));
    }
  }
  // AWS also counts the attributes a filter or a conditional write evaluates, which are not read
  // here: the key is then unknown. A key condition on the table names its key attributes only,
  // as a key does; one on an index names the index's, which are the table's other attributes.
  if (attributes !== undefined && evaluatesOtherAttributes(call)) attributes = undefined;
  // A read that leaves `Select` out has AWS's default (`ALL_ATTRIBUTES`, or the index's
  // projection): the key has a value, which keycard does not compute.
  if (SELECTING.has(op) && !gives(call, "Select")) call.unknownContext.push("dynamodb:Select");
  if (attributes && attributes.length > 0) into["dynamodb:Attributes"] = attributes;
  else call.unknownContext.push("dynamodb:Attributes");
}

/**
 * Item calls whose `Key` the rules use only for `dynamodb:LeadingKeys`, so that calls with a new
 * partition key value reuse one mapping (checked whenever one is made: see `mapping-reuse.ts`).
 */
const REUSABLE: Readonly<Record<string, ReusableMembers>> = Object.freeze({
  GetItem: Object.freeze({ name: "Key", contextKey: "dynamodb:LeadingKeys" }),
  DeleteItem: Object.freeze({ name: "Key", contextKey: "dynamodb:LeadingKeys" }),
  UpdateItem: Object.freeze({ name: "Key", contextKey: "dynamodb:LeadingKeys" }),
});

/**
 * Amazon DynamoDB: tables given as ARNs, index ARNs, several tables per batch or transaction,
 * PartiQL statements. @internal
 */
export const dynamodbRules: ServiceRules = {
  // Item keys are set or unknown on the item operations; EnclosingOperation only inside their
  // transactions. Select, ReturnValues and ReturnConsumedCapacity are the request parameters of
  // those names (DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained access
  // control"): an item call without the parameter has no key, which IAM's own example for
  // GetItem relies on. PartiQL statements are not read for any of them: unknown there.
  decidedKeys: (operation) =>
    ITEM_OPERATIONS.has(operation)
      ? [
          "dynamodb:LeadingKeys",
          "dynamodb:Attributes",
          "dynamodb:EnclosingOperation",
          "dynamodb:Select",
          "dynamodb:ReturnValues",
          "dynamodb:ReturnConsumedCapacity",
        ]
      : undefined,
  reusable: (operation) => ownMember(REUSABLE, operation),
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
      const statements = call.input.list(
        call.input.get("TransactStatements"),
        "TransactStatements",
        100,
      );
      if (statements.length === 0) partiql(call, undefined);
      for (const s of statements)
        partiql(call, call.input.textOf(read(s, "Statement"), "Statement"));
    },
    BatchExecuteStatement: (call) => {
      const statements = call.input.list(call.input.get("Statements"), "Statements", 100);
      if (statements.length === 0) partiql(call, undefined);
      for (const s of statements)
        partiql(call, call.input.textOf(read(s, "Statement"), "Statement"));
    },
  },
};
