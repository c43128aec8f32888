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
