/**
 * The driver's own logic, without the engine: argument parsing and the stack transformation
 * that pins provider versions and adds skipAwait (the real runs are tests/engine).
 */
import * as pulumi from "@pulumi/pulumi";
import { parseArgs } from "./cli";
import { adjust, SKIP_AWAIT_KINDS } from "./program";

const args = (type: string, props: Record<string, any> = { metadata: { name: "x" } }) =>
  ({ type, name: "x", props, opts: { version: "9.9.9" }, resource: undefined as unknown as pulumi.Resource }) as pulumi.ResourceTransformationArgs;
const A = { kubernetesVersion: "4.25.0-f47bc2d6f199", randomVersion: "0.0.0-standin", skipAwait: true };

describe("engine driver: the stack transformation", () => {
  test("pins every kubernetes resource to the built provider and every random one to the stand-in", () => {
    expect(adjust(args("kubernetes:core/v1:ConfigMap"), A)?.opts.version).toBe("4.25.0-f47bc2d6f199");
    expect(adjust(args("random:index/randomPassword:RandomPassword"), A)?.opts.version).toBe("0.0.0-standin");
    // Without the stand-in flag, random resources keep the SDK's version.
    expect(adjust(args("random:index/randomPassword:RandomPassword"), { ...A, randomVersion: undefined })).toBeUndefined();
    expect(adjust(args("monitoring-stack:index:Prometheus"), A)).toBeUndefined();
  });

  test("adds pulumi.com/skipAwait only to kinds whose readiness needs nodes, keeping other annotations", () => {
    const sts = adjust(args("kubernetes:apps/v1:StatefulSet", { metadata: { name: "p", annotations: { a: "b" } } }), A)!;
    expect(sts.props.metadata.annotations).toEqual({ a: "b", "pulumi.com/skipAwait": "true" });
    expect(adjust(args("kubernetes:core/v1:Namespace"), A)!.props.metadata.annotations).toBeUndefined();
    expect(adjust(args("kubernetes:apps/v1:Deployment"), { ...A, skipAwait: false })!.props.metadata.annotations).toBeUndefined();
    expect(SKIP_AWAIT_KINDS).not.toContain("core/v1:Namespace");
  });
});

describe("engine driver: arguments", () => {
  const env = { PULUMI_CONFIG_PASSPHRASE: "p" };
  test("needs an operation, --stack and a passphrase, naming what is missing", () => {
    expect(() => parseArgs([], env)).toThrow(/allowed: preview, up, destroy, refresh, config/);
    expect(() => parseArgs(["up"], env)).toThrow(/--stack: required/);
    expect(() => parseArgs(["up", "--stack", "prod"], {})).toThrow(/PULUMI_CONFIG_PASSPHRASE/);
    expect(() => parseArgs(["up", "--stack", "prod", "--bogus"], env)).toThrow(/unknown option --bogus/);
  });
  test("defaults to a work dir, state and PULUMI_HOME under .local/engine, and passes config arguments through", () => {
    const { options, rest } = parseArgs(["config", "set", "--path", "a.b", "1", "--stack", "prod"], env);
    expect(options.workDir).toMatch(/\.local\/engine\/work$/);
    expect(options.backendUrl).toMatch(/^file:\/\/.*\.local\/engine\/state$/);
    expect(options.randomStandIn).toBe(false);
    expect(rest).toEqual(["set", "--path", "a.b", "1"]);
  });
});
