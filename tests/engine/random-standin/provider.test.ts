/**
 * The RandomPassword stand-in (test-only) keeps the properties the program relies on.
 */
import bcrypt from "bcryptjs";
import { generate, standIn } from "./provider";

const URN = "urn:pulumi:prod::monitoring-stack::monitoring-stack:index:StackSecrets$random:index/randomPassword:RandomPassword::grafana-admin";

describe("RandomPassword stand-in (test only)", () => {
  test("generates the asked length from the enabled classes only", () => {
    const pw = generate({ length: 32, special: false });
    expect(pw).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generate({ length: 8, upper: false, lower: false, special: false })).toMatch(/^\d{8}$/);
  });
  test("creates a password and its bcrypt hash; no diff without an input change, replace on any change", async () => {
    const { outs } = await standIn.create!(URN, { length: 32, special: false });
    expect(bcrypt.compareSync(outs.result, outs.bcryptHash)).toBe(true);
    expect(await standIn.diff!("id", URN, outs, { length: 32, special: false })).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await standIn.diff!("id", URN, outs, { length: 24, special: false })).replaces).toEqual(["length"]);
  });
  test("refuses every other resource type", async () => {
    const r = await standIn.check!(URN.replace("randomPassword:RandomPassword", "randomString:RandomString"), {}, { length: 8 });
    expect(r.failures?.[0].reason).toMatch(/implements only random:index\/randomPassword:RandomPassword/);
  });
});
