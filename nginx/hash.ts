/**
 * Cheap, stable bcrypt hashes for the front door's htpasswd.
 *
 * Why not the usual cost 10 (which is what RandomPassword.bcryptHash produces)? nginx checks
 * the password with crypt() on EVERY request, inside the worker's event loop: at cost 10 that
 * is ~65 ms of CPU per request, so a worker serves at most ~15 authenticated requests per
 * second and every other request (429s and /health included) waits behind it. Measured with
 * the real nginx (README "Password hashing"): 2 x 100 requests in one second, one worker ->
 * p50 latency 6.7 s and the rate limiter rejects nothing, because nginx reads the queued
 * requests so late that the bucket has drained.
 *
 * A high work factor protects guessable passwords; ours are long random strings, which no
 * amount of offline guessing recovers, so cost 5 (~2 ms) loses nothing.
 *
 * The prefix is `$2a$`, not bcryptjs's default `$2b$`: musl's crypt() (the Alpine nginx image)
 * knows `$2a$`, `$2x$` and `$2y$` only, and answers a `$2b$` hash with "*", which locks every
 * user out. For the ASCII passwords we generate, `$2a$` and `$2b$` compute the same hash, and
 * glibc/libxcrypt (Debian), Go and bcryptjs all accept `$2a$`. The salt is derived
 * from the password and a context string, so the same password always gives the same hash:
 * `pulumi up` does not rewrite the Secret (and restart nginx) on every run.
 */
import * as crypto from "crypto";
import * as bcrypt from "bcryptjs";

/** bcrypt cost for front-door htpasswd entries (2^5 rounds, ~2 ms in crypt()). */
export const HTPASSWD_BCRYPT_COST = 5;

/** Shortest password stableBcryptHash accepts: low cost is only safe for long random secrets. */
export const MIN_RANDOM_PASSWORD_LENGTH = 20;

/**
 * `$2a$05$...` hash of `password`, deterministic for (password, context). `context` (e.g.
 * "<stack>/<user>") makes equal passwords in different places hash differently.
 * Throws for passwords shorter than 20 characters or longer than bcrypt's 72 bytes.
 */
export function stableBcryptHash(password: string, context: string, cost = HTPASSWD_BCRYPT_COST): string {
  if (password.length < MIN_RANDOM_PASSWORD_LENGTH) {
    throw new Error(`stableBcryptHash: password for ${context} is shorter than ${MIN_RANDOM_PASSWORD_LENGTH} characters; use a long random one`);
  }
  if (Buffer.byteLength(password, "utf8") > 72) {
    throw new Error(`stableBcryptHash: password for ${context} is longer than 72 bytes; bcrypt would ignore the rest`);
  }
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) throw new Error(`stableBcryptHash: cost ${cost} is not 4-31`);
  const saltBytes = crypto.createHmac("sha256", password).update(`monitoring-stack/nginx-htpasswd/${context}`).digest().subarray(0, 16);
  const salt = `$2a$${String(cost).padStart(2, "0")}$${bcrypt.encodeBase64(saltBytes, 16)}`;
  return bcrypt.hashSync(password, salt);
}
