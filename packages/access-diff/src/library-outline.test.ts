import { describe, expect, it } from "vitest";
import { libraryOutline } from "./library-outline.js";

describe("libraryOutline", () => {
  it("keeps each module's package and the names of its rules, nothing else", () => {
    const text =
      'package keycard.authz\n\nimport data.keycard.iam\n\ndefault allow := false\n\ndecision := {"allow": allow}\n\nallow if iam.ok\n\nreasons contains r if {\n\tr := "x"\n}\n\nmatches(a, b) if a == b\n';
    expect(libraryOutline([{ path: "authz/authz.rego", text }])).toEqual([
      {
        path: "authz/authz.rego",
        text: "package keycard.authz\n\nallow := true\ndecision := true\nmatches := true\nreasons := true\n",
      },
    ]);
  });
});
