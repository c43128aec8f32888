import { describe, expect, it } from "vitest";
import { completeLogger, describeError, maskAccessKeyId, redact, sdkSafeLogger } from "./redact.js";
import { createSecretAudit } from "./test-utils/secret-audit.js";

const audit = createSecretAudit();

describe("redaction", () => {
  it("masks access key IDs", () => {
    expect(maskAccessKeyId("AKIAIOSFODNN7EXAMPLE")).toBe("AKIA…MPLE");
    expect(maskAccessKeyId("short")).toBe("…");
  });

  it("removes known secrets from text and error descriptions", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    expect(redact(`bad key ${secret}!`, [secret, undefined])).toBe("bad key [redacted]!");
    expect(describeError(new TypeError(`token ${secret}`), [secret])).toBe(
      "TypeError: token [redacted]",
    );
    expect(describeError("plain", [])).toBe("plain");
  });

  it("scrubs secret-looking keys from what the SDK logs", () => {
    audit.secret("session-token-value-0001", "secret-value-000000001", "web-identity-token-0001");
    const logger = audit.logger();
    const safe = sdkSafeLogger(logger);
    safe.info({
      clientName: "STSClient",
      input: {
        RoleArn: "arn:aws:iam::123456789012:role/app",
        WebIdentityToken: "web-identity-token-0001",
      },
      output: {
        Credentials: {
          AccessKeyId: "ASIA1",
          SecretAccessKey: "secret-value-000000001",
          SessionToken: "session-token-value-0001",
        },
        AssumedRoleUser: { Arn: "arn:aws:sts::123456789012:assumed-role/app/s" },
      },
    });
    safe.debug("plain line", { nested: [{ sessionToken: "session-token-value-0001" }] });
    safe.warn("w");
    safe.error("e");
    expect(logger.lines.map((l) => l.level)).toEqual(["info", "debug", "warn", "error"]);
    expect(logger.lines[0]?.text).toContain("arn:aws:sts::123456789012:assumed-role/app/s");
    expect(audit.leaks()).toEqual([]);
  });

  it("cuts a failing helper's command line and stderr from what the SDK logs", () => {
    audit.secret("--token=helper-argument-0001", "helper-stderr-0001");
    const logger = audit.logger();
    sdkSafeLogger(logger).debug(
      "@smithy/property-provider -> Command failed: helper --token=helper-argument-0001\nhelper-stderr-0001",
    );
    expect(logger.lines[0]?.text).toBe(
      "@smithy/property-provider -> Command failed: [command line and output not shown]",
    );
    expect(audit.leaks()).toEqual([]);
  });
});

describe("completeLogger", () => {
  it("drops the levels a logger does not implement instead of throwing", () => {
    const warnings: unknown[] = [];
    const logger = completeLogger({ warn: (message: unknown) => warnings.push(message) });
    expect(() => logger.debug("hidden")).not.toThrow();
    expect(() => logger.info("hidden")).not.toThrow();
    logger.warn("shown");
    expect(warnings).toEqual(["shown"]);
  });
});
