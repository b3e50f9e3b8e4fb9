/**
 * ContainerFunction on its own: what the alias prop switches on (alias, published versions,
 * Function URL) and that a Function URL cannot be had without an alias.
 */
import { LambdaAlias } from "@cdktf/provider-aws/lib/lambda-alias";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaFunctionUrl } from "@cdktf/provider-aws/lib/lambda-function-url";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { ContainerFunction, type ContainerFunctionProps } from "../constructs/container-function";
import {
  referenceTo,
  resourceAt,
  resourcesOfType,
  type SynthesizedStack,
  type TerraformJson,
  testingApp,
} from "./support/synth";

const BASE_PROPS: ContainerFunctionProps = {
  functionName: "agnostic-lambda-core-dev-extra",
  accountId: "111111111111",
  region: "eu-west-1",
  imageUri: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/agnostic-lambda-core:v3.1.4",
  version: "v3.1.4",
};

function synthFunction(props: Partial<ContainerFunctionProps> = {}): {
  readonly built: ContainerFunction;
  readonly synthesized: SynthesizedStack;
} {
  const stack = new TerraformStack(testingApp(), "container-function");
  const built = new ContainerFunction(stack, "fn", { ...BASE_PROPS, ...props });
  const json = Testing.synth(stack);
  return { built, synthesized: { json, terraform: JSON.parse(json) as TerraformJson } };
}

describe("ContainerFunction", () => {
  it("builds no alias, no Function URL and publishes no versions by default", () => {
    const { built, synthesized } = synthFunction();

    expect(built.alias).toBeUndefined();
    expect(built.functionUrl).toBeUndefined();
    expect(built.publicUrlPermissions).toEqual([]);
    expect(resourcesOfType(synthesized, LambdaAlias.tfResourceType)).toEqual([]);
    expect(resourcesOfType(synthesized, LambdaFunctionUrl.tfResourceType)).toEqual([]);
    expect(resourcesOfType(synthesized, LambdaPermission.tfResourceType)).toEqual([]);
    expect(resourceAt(synthesized, LambdaFunction.tfResourceType, "fn/function").publish).toBe(
      false,
    );
  });

  it("publishes a version per change behind an alias whose version and weights CodeDeploy owns", () => {
    const { built, synthesized } = synthFunction({ alias: { name: "live" } });

    expect(built.alias).toBeDefined();
    expect(built.functionUrl).toBeUndefined();
    expect(resourceAt(synthesized, LambdaFunction.tfResourceType, "fn/function").publish).toBe(
      true,
    );
    expect(resourceAt(synthesized, LambdaAlias.tfResourceType, "fn/alias")).toMatchObject({
      name: "live",
      function_version: referenceTo(
        synthesized,
        LambdaFunction.tfResourceType,
        "fn/function",
        "version",
      ),
      lifecycle: { ignore_changes: ["function_version", "routing_config"] },
    });
  });

  it("binds the Function URL to the alias", () => {
    const { synthesized } = synthFunction({
      alias: { name: "live", url: { authType: "AWS_IAM" } },
    });

    expect(resourceAt(synthesized, LambdaFunctionUrl.tfResourceType, "fn/url")).toMatchObject({
      qualifier: referenceTo(synthesized, LambdaAlias.tfResourceType, "fn/alias", "name"),
      authorization_type: "AWS_IAM",
    });
  });

  it("refuses a Function URL given without an alias instead of silently dropping it", () => {
    // Only reachable around the type (a cast or an untyped object): the type has no top-level url.
    const props = { url: { authType: "AWS_IAM" } } as Partial<ContainerFunctionProps>;

    expect(() => synthFunction(props)).toThrow(
      "ContainerFunction agnostic-lambda-core-dev-extra: a Function URL needs an alias",
    );
  });
});
