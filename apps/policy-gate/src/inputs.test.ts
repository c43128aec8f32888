import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { InputError, readInputs } from "./inputs.js";

/** The `default:` of each input in action.yml, as the runner passes them. */
function actionDefaults(): Record<string, string> {
  const text = readFileSync(join(import.meta.dirname, "..", "action.yml"), "utf8");
  const inputs = text.slice(text.indexOf("\ninputs:"), text.indexOf("\noutputs:"));
  const defaults: Record<string, string> = {};
  let current = "";
  for (const line of inputs.split("\n")) {
    const name = /^ {2}([a-z-]+):\s*$/.exec(line)?.[1];
    if (name) current = name;
    const value = /^ {4}default:\s*(.*)$/.exec(line)?.[1];
    if (value !== undefined && current) defaults[current] = value.replace(/^"|"$/g, "");
  }
  return defaults;
}

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
      memoryLimitMb: 2048,
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

  it("has the defaults action.yml declares, so the runner and the code agree", () => {
    const defaults = actionDefaults();
    const { github: _token, "base-ref": _base, ...declared } = defaults;
    setInputs(Object.fromEntries(Object.entries(declared).filter(([k]) => k !== "github-token")));
    const fromYaml = readInputs();
    for (const name of names.splice(0)) delete process.env[name];
    const { githubToken: _a, ...withDefaults } = readInputs();
    const { githubToken: _b, ...withYaml } = fromYaml;
    expect(withYaml).toEqual(withDefaults);
    expect(Object.keys(defaults)).toContain("memory-limit-mb");
  });
});
