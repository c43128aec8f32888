import { afterEach, describe, expect, it } from "vitest";
import { InputError, readInputs } from "./inputs.js";

const names: string[] = [];

function setInputs(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) {
    const key = `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
    names.push(key);
    process.env[key] = value;
  }
}

afterEach(() => {
  for (const name of names.splice(0)) delete process.env[name];
});

describe("readInputs", () => {
  it("applies the documented defaults", () => {
    expect(readInputs()).toEqual({
      paths: ["policies"],
      baseRef: undefined,
      githubToken: undefined,
      approvalLabel: "policy-change-approved",
      coverageThreshold: 80,
      failOn: ["invalid", "tests", "new-access", "escalation"],
      opaPath: undefined,
      regalPath: undefined,
      timeoutSeconds: 120,
    });
  });

  it("reads lists, numbers and dashed names", () => {
    setInputs({
      paths: "policies\nteams/rules, more",
      "fail-on": "invalid,tests",
      "coverage-threshold": "92.5",
      "opa-path": "/opt/opa",
    });
    const inputs = readInputs();
    expect(inputs.paths).toEqual(["policies", "teams/rules", "more"]);
    expect(inputs.failOn).toEqual(["invalid", "tests"]);
    expect(inputs.coverageThreshold).toBe(92.5);
    expect(inputs.opaPath).toBe("/opt/opa");
  });

  it("rejects unknown checks and out-of-range numbers", () => {
    setInputs({ "fail-on": "invalid,typos" });
    expect(() => readInputs()).toThrow(InputError);
    setInputs({ "fail-on": "invalid", "coverage-threshold": "120" });
    expect(() => readInputs()).toThrow(/coverage-threshold must be a number from 0 to 100/);
  });
});
