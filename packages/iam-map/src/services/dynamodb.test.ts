import { describe, expect, it } from "vitest";
import { map, pairs } from "../test-utils/map.js";

const TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table";

describe("DynamoDB curated rules", () => {
  it("Query with IndexName is authorized on the index ARN", async () => {
    const r = await map("DynamoDBClient", "QueryCommand", {
      TableName: "orders",
      IndexName: "by-customer",
    });
    expect(pairs(r.requests)).toEqual([["dynamodb:Query", `${TABLE}/orders/index/by-customer`]]);
    const plain = await map("DynamoDBClient", "QueryCommand", { TableName: "orders" });
    expect(pairs(plain.requests)).toEqual([["dynamodb:Query", `${TABLE}/orders`]]);
  });

  it("accepts TableName as an ARN (other account and region)", async () => {
    const arn = "arn:aws:dynamodb:eu-west-1:999999999999:table/shared";
    const r = await map("DynamoDBClient", "GetItemCommand", { TableName: arn, Key: {} });
    expect(pairs(r.requests)).toEqual([["dynamodb:GetItem", arn]]);
    const idx = await map("DynamoDBClient", "ScanCommand", { TableName: arn, IndexName: "i" });
    expect(pairs(idx.requests)).toEqual([["dynamodb:Scan", `${arn}/index/i`]]);
  });

  it("BatchGetItem and BatchWriteItem touch every table in RequestItems", async () => {
    const r = await map("DynamoDBClient", "BatchWriteItemCommand", {
      RequestItems: { a: [], b: [] },
    });
    expect(pairs(r.requests)).toEqual([
      ["dynamodb:BatchWriteItem", `${TABLE}/a`],
      ["dynamodb:BatchWriteItem", `${TABLE}/b`],
    ]);
    const g = await map("DynamoDBClient", "BatchGetItemCommand", {
      RequestItems: { a: { Keys: [] } },
    });
    expect(pairs(g.requests)).toEqual([["dynamodb:BatchGetItem", `${TABLE}/a`]]);
  });

  it("TransactWriteItems needs the item action for each table", async () => {
    const r = await map("DynamoDBClient", "TransactWriteItemsCommand", {
      TransactItems: [
        { Put: { TableName: "a", Item: {} } },
        { Update: { TableName: "b", Key: {} } },
        { Delete: { TableName: "a", Key: {} } },
        { ConditionCheck: { TableName: "c", Key: {} } },
      ],
    });
    expect(pairs(r.requests)).toEqual([
      ["dynamodb:PutItem", `${TABLE}/a`],
      ["dynamodb:UpdateItem", `${TABLE}/b`],
      ["dynamodb:DeleteItem", `${TABLE}/a`],
      ["dynamodb:ConditionCheckItem", `${TABLE}/c`],
    ]);
    const g = await map("DynamoDBClient", "TransactGetItemsCommand", {
      TransactItems: [{ Get: { TableName: "a", Key: {} } }],
    });
    expect(pairs(g.requests)).toEqual([["dynamodb:GetItem", `${TABLE}/a`]]);
  });

  it("PartiQL statements map to PartiQL actions on their table", async () => {
    const s = await map("DynamoDBClient", "ExecuteStatementCommand", {
      Statement: 'SELECT * FROM "orders"."by-day" WHERE pk = ?',
    });
    expect(pairs(s.requests)).toEqual([["dynamodb:PartiQLSelect", `${TABLE}/orders/index/by-day`]]);
    const u = await map("DynamoDBClient", "ExecuteStatementCommand", {
      Statement: "UPDATE orders SET a = 1 WHERE pk = 'x'",
    });
    expect(pairs(u.requests)).toEqual([["dynamodb:PartiQLUpdate", `${TABLE}/orders`]]);
  });
});

describe("DynamoDB hostile inputs", () => {
  it("PartiQL: words inside quoted identifiers and strings do not name the table", async () => {
    for (const Statement of [
      'SELECT "from public" FROM secret',
      'SELECT "update public", id FROM "secret"',
      "SELECT * FROM secret WHERE a = 'from public'",
    ]) {
      const r = await map("DynamoDBClient", "ExecuteStatementCommand", { Statement });
      expect(pairs(r.requests)).toEqual([["dynamodb:PartiQLSelect", `${TABLE}/secret`]]);
    }
  });

  it("PartiQL: each statement kind names its table", async () => {
    const cases: Array<[string, string, string]> = [
      ["INSERT INTO \"t\" VALUE {'a': 'from x'}", "dynamodb:PartiQLInsert", `${TABLE}/t`],
      ["UPDATE t SET a = 'from x' WHERE k = 1", "dynamodb:PartiQLUpdate", `${TABLE}/t`],
      ["DELETE FROM t WHERE k = 'into x'", "dynamodb:PartiQLDelete", `${TABLE}/t`],
      ['SELECT * FROM "t"."by-a"', "dynamodb:PartiQLSelect", `${TABLE}/t/index/by-a`],
    ];
    for (const [Statement, action, resource] of cases) {
      const r = await map("DynamoDBClient", "ExecuteStatementCommand", { Statement });
      expect(pairs(r.requests)).toEqual([[action, resource]]);
    }
  });

  it("PartiQL: a comment never turns a write into a read", async () => {
    // A comment stops the reading of the table; the statement's kind is its first word, and a
    // statement that does not start with one cannot be mapped.
    const kinds: Array<[string, string]> = [
      [`DELETE FROM "GameScores" WHERE UserId = 'victim' --`, "dynamodb:PartiQLDelete"],
      [
        `UPDATE "GameScores" SET Admin = true /* x */ WHERE UserId = 'me'`,
        "dynamodb:PartiQLUpdate",
      ],
      [`INSERT INTO "GameScores" VALUE {'a': 1} --`, "dynamodb:PartiQLInsert"],
    ];
    for (const [Statement, action] of kinds) {
      const r = await map("DynamoDBClient", "ExecuteStatementCommand", { Statement });
      expect(
        r.requests.map((q) => q.action),
        Statement,
      ).toEqual([action]);
      expect(r.requests[0]?.resourceParts, Statement).toBeDefined();
    }
    for (const Statement of [
      `/**/UPDATE "GameScores" SET Admin = true WHERE UserId = 'me'`,
      `-- read\nDELETE FROM "GameScores" WHERE UserId = 'victim'`,
      `(DELETE FROM "GameScores")`,
      `REPLACE INTO "GameScores" VALUE {'a': 1}`,
    ]) {
      const r = await map("DynamoDBClient", "ExecuteStatementCommand", { Statement });
      expect(r.known, Statement).toBe(false);
      const batch = await map("DynamoDBClient", "BatchExecuteStatementCommand", {
        Statements: [{ Statement: "SELECT * FROM t" }, { Statement }],
      });
      expect(batch.known, Statement).toBe(false);
      const transaction = await map("DynamoDBClient", "ExecuteTransactionCommand", {
        TransactStatements: [{ Statement }],
      });
      expect(transaction.known, Statement).toBe(false);
    }
  });

  it("PartiQL: a statement that cannot be parsed leaves the table unknown", async () => {
    for (const Statement of ['SELECT * FROM "unterminated', "SELECT 1", "SELECT * FROM (x)"]) {
      const r = await map("DynamoDBClient", "ExecuteStatementCommand", { Statement });
      expect(r.requests[0]?.resourceParts).toBeDefined();
    }
  });

  it("dynamodb:Attributes is never cut short", async () => {
    const item = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`pub_${i}`, { S: "x" }]),
    );
    const put = await map("DynamoDBClient", "PutItemCommand", {
      TableName: "users",
      Item: { ...item, isAdmin: { BOOL: true } },
    });
    const attrs = put.requests[0]?.context?.["dynamodb:Attributes"];
    const unknown = put.requests[0]?.unknownContext ?? [];
    expect(
      (Array.isArray(attrs) && attrs.includes("isAdmin")) ||
        unknown.includes("dynamodb:Attributes"),
    ).toBe(true);
    const names = [...Object.keys(item), "isAdmin"];
    const get = await map("DynamoDBClient", "GetItemCommand", {
      TableName: "users",
      Key: { pub_0: { S: "k" } },
      AttributesToGet: names,
    });
    const got = get.requests[0]?.context?.["dynamodb:Attributes"];
    expect(
      (Array.isArray(got) && got.includes("isAdmin")) ||
        (get.requests[0]?.unknownContext ?? []).includes("dynamodb:Attributes"),
    ).toBe(true);
  });

  it("dynamodb:Attributes stays unknown for an update or a delete that gives a projection anyway", async () => {
    // Neither operation has the member: the SDK does not send it, and AWS checks the attributes
    // the update writes or the delete returns.
    for (const operation of ["UpdateItemCommand", "DeleteItemCommand"]) {
      const result = await map("DynamoDBClient", operation, {
        TableName: "users",
        Key: { pk: { S: "k" } },
        UpdateExpression: "SET secret = :v",
        ProjectionExpression: "pk",
        AttributesToGet: ["pk"],
      });
      const request = result.requests[0];
      expect(request?.context?.["dynamodb:Attributes"], operation).toBeUndefined();
      expect(request?.unknownContext, operation).toContain("dynamodb:Attributes");
    }
    const get = await map("DynamoDBClient", "GetItemCommand", {
      TableName: "users",
      Key: { pk: { S: "k" } },
      ProjectionExpression: "pk",
    });
    expect(get.requests[0]?.context?.["dynamodb:Attributes"]).toEqual(["pk"]);
  });

  it("dynamodb:Attributes is unknown for a projection too long to read whole, never a part of it", async () => {
    const filler = Array.from({ length: 700 }, (_, i) => `pub${i}`).join(", ");
    const projection = `${filler}, secret`;
    expect(projection.length).toBeGreaterThan(4096);
    const get = await map("DynamoDBClient", "GetItemCommand", {
      TableName: "users",
      Key: { pk: { S: "k" } },
      ProjectionExpression: projection,
    });
    const request = get.requests[0];
    expect(request?.context?.["dynamodb:Attributes"]).toBeUndefined();
    expect(request?.unknownContext).toContain("dynamodb:Attributes");
  });

  it("dynamodb:Attributes names each projected path by its top-level attribute", async () => {
    const get = await map("DynamoDBClient", "GetItemCommand", {
      TableName: "users",
      Key: { pk: { S: "k" } },
      ProjectionExpression: " a.b , #n[0].c, d[2], e ",
      ExpressionAttributeNames: { "#n": "name" },
    });
    expect(get.requests[0]?.context?.["dynamodb:Attributes"]).toEqual(["a", "name", "d", "e"]);
  });

  it("dynamodb:Attributes is unknown when a filter or a condition names attributes too", async () => {
    // AWS counts the attributes a scan filter or a conditional write evaluates.
    const key = { pk: { S: "k" } };
    const values = { ":p": { S: "4111" } };
    const calls: Array<[string, Record<string, unknown>]> = [
      [
        "ScanCommand",
        {
          TableName: "t",
          ProjectionExpression: "pk",
          FilterExpression: "begins_with(secret, :p)",
          ExpressionAttributeValues: values,
        },
      ],
      [
        "ScanCommand",
        {
          TableName: "t",
          AttributesToGet: ["pk"],
          ScanFilter: {
            secret: { ComparisonOperator: "BEGINS_WITH", AttributeValueList: [{ S: "4" }] },
          },
        },
      ],
      [
        "QueryCommand",
        {
          TableName: "t",
          ProjectionExpression: "pk",
          KeyConditionExpression: "pk = :p",
          FilterExpression: "secret = :p",
          ExpressionAttributeValues: values,
        },
      ],
      [
        "QueryCommand",
        {
          TableName: "t",
          AttributesToGet: ["pk"],
          KeyConditions: { pk: { ComparisonOperator: "EQ", AttributeValueList: [{ S: "k" }] } },
          QueryFilter: { secret: { ComparisonOperator: "NOT_NULL" } },
        },
      ],
      [
        "GetItemCommand",
        {
          TableName: "t",
          Key: key,
          ProjectionExpression: "pk",
          ConditionExpression: "attribute_exists(secret)",
        },
      ],
      [
        "PutItemCommand",
        {
          TableName: "t",
          Item: { pk: { S: "k" } },
          ConditionExpression: "begins_with(secret, :p)",
          ExpressionAttributeValues: values,
        },
      ],
      [
        "PutItemCommand",
        {
          TableName: "t",
          Item: { pk: { S: "k" } },
          Expected: { secret: { Exists: true, Value: { S: "x" } } },
        },
      ],
      ["PutItemCommand", { TableName: "t", Item: { pk: { S: "k" } }, ConditionExpression: "" }],
    ];
    for (const [operation, input] of calls) {
      const result = await map("DynamoDBClient", operation, input);
      const request = result.requests[0];
      const where = `${operation} ${JSON.stringify(input)}`;
      expect(request?.context?.["dynamodb:Attributes"], where).toBeUndefined();
      expect(request?.unknownContext, where).toContain("dynamodb:Attributes");
    }
    // A key condition names only key attributes, as a key does: the projection stays known.
    const query = await map("DynamoDBClient", "QueryCommand", {
      TableName: "t",
      ProjectionExpression: "pk, score",
      KeyConditionExpression: "pk = :p",
      ExpressionAttributeValues: values,
    });
    expect(query.requests[0]?.context?.["dynamodb:Attributes"]).toEqual(["pk", "score"]);
  });

  it("dynamodb:Attributes is unknown for a projection path DynamoDB reads otherwise than as written", async () => {
    // DynamoDB skips white space in a path: `Secret .a` names `Secret`, never `Secret `.
    for (const ProjectionExpression of [
      "Secret .a",
      "Secret [0]",
      "Secret\t[0]",
      "a, 1b",
      "a-b",
      "#",
      "# n",
    ]) {
      const get = await map("DynamoDBClient", "GetItemCommand", {
        TableName: "t",
        Key: { pk: { S: "k" } },
        ProjectionExpression,
        ExpressionAttributeNames: { "#n": "name", "# n": "other" },
      });
      expect(
        get.requests[0]?.context?.["dynamodb:Attributes"],
        ProjectionExpression,
      ).toBeUndefined();
      expect(get.requests[0]?.unknownContext, ProjectionExpression).toContain(
        "dynamodb:Attributes",
      );
    }
  });

  it("dynamodb:Select is unknown for a Query or Scan that leaves it to AWS's default", async () => {
    const scan = await map("DynamoDBClient", "ScanCommand", { TableName: "t" });
    expect(scan.requests[0]?.context?.["dynamodb:Select"]).toBeUndefined();
    expect(scan.requests[0]?.unknownContext).toContain("dynamodb:Select");
    const query = await map("DynamoDBClient", "QueryCommand", { TableName: "t", IndexName: "i" });
    expect(query.requests[0]?.unknownContext).toContain("dynamodb:Select");
    const given = await map("DynamoDBClient", "ScanCommand", { TableName: "t", Select: "COUNT" });
    expect(given.requests[0]?.context?.["dynamodb:Select"]).toBe("COUNT");
    expect(given.requests[0]?.unknownContext ?? []).not.toContain("dynamodb:Select");
    // GetItem has no Select member: the key stays absent, as IAM's own GetItem example needs.
    const get = await map("DynamoDBClient", "GetItemCommand", {
      TableName: "t",
      Key: { pk: { S: "k" } },
    });
    expect(get.requests[0]?.unknownContext ?? []).not.toContain("dynamodb:Select");
  });

  it("PartiQL: a backtick literal, which the PartiQL lexer reads with comments of its own, leaves the table unknown", async () => {
    const Statement =
      "SELECT `1 // '\n` FROM real WHERE b = ' FROM fake WHERE ' AND c = `1 // '\n`";
    const r = await map("DynamoDBClient", "ExecuteStatementCommand", { Statement });
    expect(r.requests.map((q) => q.action)).toEqual(["dynamodb:PartiQLSelect"]);
    expect(r.requests[0]?.resourceParts).toBeDefined();
    // A parameter placeholder is ordinary: the table is still read.
    const p = await map("DynamoDBClient", "ExecuteStatementCommand", {
      Statement: "SELECT * FROM t WHERE k = ?",
    });
    expect(pairs(p.requests)).toEqual([["dynamodb:PartiQLSelect", `${TABLE}/t`]]);
  });

  it("dynamodb:Attributes is unknown for a query on an index that names its key attributes", async () => {
    // An index's key attributes are not the table's: AWS may count them among the attributes.
    for (const condition of [
      { KeyConditionExpression: "email = :e", ExpressionAttributeValues: { ":e": { S: "x" } } },
      { KeyConditions: { email: { ComparisonOperator: "EQ", AttributeValueList: [{ S: "x" }] } } },
    ]) {
      const query = await map("DynamoDBClient", "QueryCommand", {
        TableName: "t",
        IndexName: "by-email",
        ProjectionExpression: "pk",
        ...condition,
      });
      expect(query.requests[0]?.context?.["dynamodb:Attributes"]).toBeUndefined();
      expect(query.requests[0]?.unknownContext).toContain("dynamodb:Attributes");
    }
  });
});
