import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/**
 * The member names an SDK operation's input defines, read from the client's operation schema as
 * the middleware reads them: `inputMembersOf("@aws-sdk/client-s3", "PutObject")`.
 */
export function inputMembersOf(client: string, operation: string): readonly string[] {
  const sdk = require(client) as Record<string, new (input: object) => { schema?: unknown }>;
  const Command = sdk[`${operation}Command`];
  if (Command === undefined) throw new Error(`${client} has no ${operation}Command`);
  const schema = new Command({}).schema;
  if (!Array.isArray(schema)) throw new Error(`${operation}Command carries no operation schema`);
  const input: unknown =
    typeof schema[4] === "function" ? (schema[4] as () => unknown)() : schema[4];
  if (!Array.isArray(input) || !Array.isArray(input[4]))
    throw new Error(`${operation}'s input schema is not a structure`);
  return Object.freeze([...(input[4] as string[])]);
}
