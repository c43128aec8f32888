import {
  iamResourceTypeDetailsSync,
  iamResourceTypesForServiceSync,
  iamServiceKeysSync,
} from "@keycard/iam-reference";
import { describe, expect, it } from "vitest";
import {
  type ArnTemplate,
  isEnvironmentVariable,
  matchesTemplate,
  parseArnTemplates,
} from "./arn-template.js";
import { random } from "./test-utils/random.js";

/**
 * The template as the regular expression it was once tested with: the reference on text short
 * enough to backtrack over.
 */
function templateRegExp(template: ArnTemplate): RegExp {
  let source = "^";
  for (const part of template.parts) {
    if ("literal" in part) source += part.literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else source += isEnvironmentVariable(part.variable) ? "[^:]*" : ".+";
  }
  return new RegExp(`${source}$`, "s");
}

/** Every ARN format the IAM reference has. */
function allTemplates(): ArnTemplate[] {
  const out: ArnTemplate[] = [];
  for (const service of iamServiceKeysSync())
    for (const type of iamResourceTypesForServiceSync(service))
      out.push(...parseArnTemplates(iamResourceTypeDetailsSync(service, type).arn));
  return out;
}

describe("matchesTemplate", () => {
  const templates = allTemplates();

  it("agrees with the regular expression on every format in the reference", () => {
    const { next, pick: pickFrom } = random(11);
    const fillers = [
      "",
      "a",
      ":",
      "a:b",
      "/",
      "x/y",
      "aws",
      "us-east-1",
      "123456789012",
      "*",
      "\n",
    ];
    const pick = () => pickFrom(fillers);
    let matched = 0;
    let compared = 0;
    for (const template of templates) {
      const regex = templateRegExp(template);
      for (let n = 0; n < 12; n++) {
        // The format filled in, then sometimes cut, lengthened or changed at one place.
        let text = "";
        for (const part of template.parts) text += "literal" in part ? part.literal : pick();
        const r = next();
        if (r < 0.2) text = text.slice(0, Math.floor(next() * text.length));
        else if (r < 0.35) text += pick();
        else if (r < 0.5 && text.length > 0) {
          const at = Math.floor(next() * text.length);
          text = text.slice(0, at) + pick() + text.slice(at + 1);
        }
        const expected = regex.test(text);
        if (expected) matched++;
        compared++;
        expect(matchesTemplate(template, text), `${template.raw} ${JSON.stringify(text)}`).toBe(
          expected,
        );
      }
    }
    expect(templates.length).toBeGreaterThan(2000);
    expect(matched).toBeGreaterThan(compared / 5);
    expect(matched).toBeLessThan(compared - compared / 5);
  });

  it("decides text made to nearly match a format without backtracking over it", () => {
    // Three variables and a literal end: a backtracking matcher walks about (2,000 / 22)^3
    // splits of this text, and many times that at a few more kilobytes.
    const [template] = parseArnTemplates(
      "arn:${Partition}:imagebuilder:${Region}:${Account}:workflow/${WorkflowType}/${WorkflowName}/${WorkflowVersion}/*",
    );
    const head = "arn:aws:imagebuilder:us-east-1:123456789012:workflow/";
    const text = head + "a/a/a/".repeat(20_000);
    expect(matchesTemplate(template!, text)).toBe(false);
    expect(matchesTemplate(template!, `${text}/*`)).toBe(true);
  });
});
