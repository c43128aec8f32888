import { CredentialsProviderError, ProviderError } from "@smithy/core/config";
import { describe, expect, it } from "vitest";
import {
  CredentialsCheckFailedError,
  KeycardCredentialsError,
  NoCredentialsError,
  RoleSourceFailedError,
  RoleSourceIncompleteError,
  RootCredentialsRefusedError,
  StaticCredentialsRefusedError,
} from "./errors.js";

describe("errors", () => {
  const cause = new Error("underlying");
  it.each([
    [
      new StaticCredentialsRefusedError("m"),
      "StaticCredentialsRefusedError",
      "STATIC_CREDENTIALS_REFUSED",
      false,
    ],
    [
      new RootCredentialsRefusedError("m"),
      "RootCredentialsRefusedError",
      "ROOT_CREDENTIALS_REFUSED",
      false,
    ],
    [new RoleSourceFailedError("m", cause), "RoleSourceFailedError", "ROLE_SOURCE_FAILED", false],
    [
      new RoleSourceIncompleteError("m", "AWS_ROLE_ARN"),
      "RoleSourceIncompleteError",
      "ROLE_SOURCE_INCOMPLETE",
      false,
    ],
    [
      new CredentialsCheckFailedError("m", cause),
      "CredentialsCheckFailedError",
      "IDENTITY_CHECK_FAILED",
      false,
    ],
    [new NoCredentialsError("m"), "NoCredentialsError", "NO_CREDENTIALS", true],
  ] as const)(
    "%s has a fixed name, a code and the chain flag",
    (error, name, code, tryNextLink) => {
      expect(error.name).toBe(name);
      expect(error.code).toBe(code);
      expect(error.tryNextLink).toBe(tryNextLink);
      expect(error.message).toBe("m");
      // Subclassing survives the smithy base pinning its own prototype.
      expect(error).toBeInstanceOf(error.constructor);
      expect(error).toBeInstanceOf(KeycardCredentialsError);
      expect(error).toBeInstanceOf(CredentialsProviderError);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toBeInstanceOf(Error);
      expect(String(error)).toBe(`${name}: m`);
    },
  );

  it("keeps the cause", () => {
    expect(new RoleSourceFailedError("m", cause).cause).toBe(cause);
    expect(new StaticCredentialsRefusedError("m").cause).toBeUndefined();
  });
});
