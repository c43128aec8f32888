import { beforeAll, describe, expect, it } from "vitest";
import { Call } from "./call.js";
import { type ActionInfo, loadCatalogSync } from "./iam-catalog.js";
import { InputView } from "./input-view.js";
import { unknownPart } from "./unknown-part.js";

function ec2Call(input: object): Call {
  return new Call(
    "ec2",
    "EC2",
    "RunInstances",
    new InputView(input),
    "aws",
    "us-east-1",
    "123456789012",
    {},
  );
}

describe("Call.build: request tags listed on some resource types", () => {
  let runInstances: ActionInfo;
  beforeAll(() => {
    runInstances = loadCatalogSync("ec2")!.actions.get("runinstances")!;
  });
  const input = {
    TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "env", Value: "prod" }] }],
  };

  it("a given resource of a type that lists them keeps the tags", () => {
    const [request] = ec2Call(input).build(runInstances, {
      resource: `arn:aws:ec2:us-east-1:123456789012:instance/${unknownPart("new instance")}`,
    });
    expect(request?.context?.["aws:RequestTag/env"]).toBe("prod");
    expect(request?.unknownContext ?? []).not.toContain("aws:TagKeys");
  });

  it("beside a request for a type that lists them, a type that does not has none, and not unknown", () => {
    const [instance, image] = ec2Call(input).build(runInstances, {
      resource: [
        `arn:aws:ec2:us-east-1:123456789012:instance/${unknownPart("new instance")}`,
        "arn:aws:ec2:us-east-1::image/ami-1",
      ],
    });
    expect(instance?.context?.["aws:RequestTag/env"]).toBe("prod");
    expect(image?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(image?.context?.["aws:TagKeys"]).toBeUndefined();
    expect(image?.unknownContext ?? []).not.toContain("aws:TagKeys");
  });

  it("with no request for a type that lists them, the tags are unknown on the others", () => {
    // The tagged resource is not among the requests: AWS checks it with the tags.
    const [image] = ec2Call(input).build(runInstances, {
      resource: "arn:aws:ec2:us-east-1::image/ami-1",
    });
    expect(image?.context?.["aws:RequestTag/env"]).toBeUndefined();
    expect(image?.unknownContext).toEqual(
      expect.arrayContaining(["aws:RequestTag/env", "aws:TagKeys"]),
    );
  });

  it("a resource of no type the action takes, or `*`, has the tags unknown", () => {
    for (const resource of [`arn:aws:ec2:us-east-1:123456789012:${unknownPart("what")}`, "*"]) {
      const [request] = ec2Call(input).build(runInstances, { resource });
      expect(request?.context?.["aws:RequestTag/env"], resource).toBeUndefined();
      expect(request?.context?.["aws:TagKeys"], resource).toBeUndefined();
      expect(request?.unknownContext, resource).toEqual(
        expect.arrayContaining(["aws:RequestTag/env", "aws:TagKeys"]),
      );
    }
  });
});
