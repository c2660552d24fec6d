/**
 * TEST-ONLY STAND-IN for the `random` provider's RandomPassword. NOT the real provider.
 *
 * The real pulumi-random plugin is not obtainable on this machine (it is downloaded from
 * GitHub, which is unreachable, and the Go module proxy does not serve a buildable provider),
 * and the program generates its passwords with @pulumi/random. This provider lets the real
 * engine run the real program in tests/engine: it answers the engine's gRPC protocol for
 * `random:index/randomPassword:RandomPassword` only, generating a password with Node's CSPRNG
 * from the inputs the program uses (length, special, upper, lower, numeric) and its bcrypt
 * hash. It is installed only into the suite's throwaway PULUMI_HOME, under a version that
 * names it (`0.0.0-monitoring-stack-test-standin`, which then appears in every URN of its
 * default provider), and only when the driver is started with --random-standin. A real
 * deployment gets the real plugin from `pulumi` itself and never sees this file.
 *
 * Semantics kept from the real one (what the program relies on): the result is stable for
 * the life of the resource (read returns state, no diff without an input change), and any
 * input change replaces it (a new password).
 */
import * as provider from "@pulumi/pulumi/provider";
import bcrypt from "bcryptjs";
import { randomInt } from "crypto";
import { RANDOM_STANDIN_VERSION } from "../../../engine/toolchain";

const TYPE = "random:index/randomPassword:RandomPassword";

const CLASSES = {
  upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  lower: "abcdefghijklmnopqrstuvwxyz",
  numeric: "0123456789",
  special: "!@#$%&*()-_=+[]{}<>:?",
};

interface Inputs {
  length: number;
  upper?: boolean;
  lower?: boolean;
  numeric?: boolean;
  special?: boolean;
  overrideSpecial?: string;
  [k: string]: unknown;
}

/** A password of `length` characters from the enabled classes (default: all four). */
export function generate(inputs: Inputs): string {
  const use = (k: keyof typeof CLASSES) => inputs[k] !== false;
  const alphabet =
    (use("upper") ? CLASSES.upper : "") +
    (use("lower") ? CLASSES.lower : "") +
    (use("numeric") ? CLASSES.numeric : "") +
    (use("special") ? (inputs.overrideSpecial ?? CLASSES.special) : "");
  if (!alphabet) throw new Error("RandomPassword stand-in: every character class is disabled");
  return Array.from({ length: inputs.length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

const typeOf = (urn: string) => urn.split("::")[2]?.split("$").pop();

const stableKeys = (o: Record<string, unknown>) => JSON.stringify(Object.keys(o).sort().map((k) => [k, o[k]]));

export const standIn: provider.Provider = {
  version: RANDOM_STANDIN_VERSION,
  async check(urn, _olds, news) {
    if (typeOf(urn) !== TYPE) return { failures: [{ property: "", reason: `the test stand-in implements only ${TYPE}, not ${typeOf(urn)}` }] };
    const length = Number(news.length);
    if (!Number.isInteger(length) || length < 1) return { failures: [{ property: "length", reason: "an integer >= 1" }] };
    return { inputs: news };
  },
  async diff(_id, _urn, olds, news) {
    // Every input of the real RandomPassword forces a new password; outputs never drift.
    const inputKeys = Object.keys(news).filter((k) => !["result", "bcryptHash"].includes(k));
    const changed = [...new Set([...inputKeys, ...Object.keys(olds).filter((k) => !["result", "bcryptHash"].includes(k))])].filter(
      (k) => stableKeys({ v: olds[k] }) !== stableKeys({ v: news[k] }),
    );
    return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: false };
  },
  async create(_urn, inputs) {
    const result = generate(inputs as Inputs);
    return { id: `standin-${Date.now().toString(36)}-${randomInt(1e9).toString(36)}`, outs: { ...inputs, result, bcryptHash: bcrypt.hashSync(result, 10) } };
  },
  async read(id, _urn, props) {
    return { id, props };
  },
  async delete() {
    /* nothing outside the engine's state */
  },
};

if (require.main === module) {
  void provider.main(standIn, process.argv.slice(2));
}
