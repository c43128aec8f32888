import { inspect } from "node:util";
import type { Logger } from "@smithy/types";
import { vi } from "vitest";

/** A logger that keeps what it was given, by level. */
export interface CapturingLogger extends Logger {
  lines: Array<{ level: "debug" | "info" | "warn" | "error"; text: string }>;
  warnings(): string[];
}

function format(content: unknown[]): string {
  return content
    .map((part) => (typeof part === "string" ? part : inspect(part, { depth: 6 })))
    .join(" ");
}

function errorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? `${current.name}: ${current.message}` : String(current));
    current = current instanceof Error ? (current as { cause?: unknown }).cause : undefined;
  }
  return parts.join(" <- ");
}

/**
 * Collects every log line and error message a test file produces (loggers it hands out, and the
 * console), and every secret the file's fixtures and results contain, so that one assertion can
 * show that no secret was ever written.
 */
export function createSecretAudit() {
  const texts: string[] = [];
  const secrets = new Set<string>();
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...content: unknown[]) => {
      texts.push(format(content));
    });
  }
  return {
    /** A fresh logger whose lines the audit also sees. */
    logger(): CapturingLogger {
      const lines: CapturingLogger["lines"] = [];
      const at =
        (level: CapturingLogger["lines"][number]["level"]) =>
        (...content: unknown[]) => {
          const text = format(content);
          lines.push({ level, text });
          texts.push(text);
        };
      return {
        lines,
        warnings: () => lines.filter((line) => line.level === "warn").map((line) => line.text),
        debug: at("debug"),
        info: at("info"),
        warn: at("warn"),
        error: at("error"),
      };
    },
    /** Marks values that must never be written. */
    secret(...values: Array<string | undefined>) {
      for (const value of values) if (value) secrets.add(value);
    },
    /** Marks the secret parts of resolved credentials. */
    track<T extends { secretAccessKey: string; sessionToken?: string }>(credentials: T): T {
      this.secret(credentials.secretAccessKey, credentials.sessionToken);
      return credentials;
    },
    /** Awaits a rejection and records its message (and its causes') for the audit. */
    async rejection(
      promise: Promise<unknown>,
    ): Promise<Error & { code?: string; tryNextLink?: boolean }> {
      try {
        await promise;
      } catch (error) {
        texts.push(errorText(error));
        return error as Error;
      }
      throw new Error("expected a rejection");
    },
    /** Number of texts and secrets examined, to show the audit is not vacuous. */
    size: () => ({ texts: texts.length, secrets: secrets.size }),
    /** Every text that contains a secret, with the secret masked. */
    leaks(): string[] {
      const found: string[] = [];
      for (const text of texts) {
        for (const secret of secrets) {
          if (text.includes(secret)) found.push(text.split(secret).join("<SECRET>"));
        }
      }
      return found;
    },
  };
}
