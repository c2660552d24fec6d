/**
 * Small HTTP helpers for the tests: JSON requests that return status and parsed body.
 */

/** A response as the tests look at it. */
export interface JsonResponse {
  status: number;
  body: unknown;
}

/** Sends `body` (an object is JSON-encoded, a string is sent as is) and parses a JSON answer. */
export async function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // keep the raw text: some tests check non-JSON answers
  }
  return { status: response.status, body: parsed };
}

/** Resolves once `probe` returns true, polling every `everyMs`; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 10000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
