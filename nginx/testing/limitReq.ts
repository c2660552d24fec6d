/**
 * What nginx's `limit_req` (burst=B nodelay, rate r) lets through for a given list of arrival
 * times, replayed with nginx's own arithmetic (ngx_http_limit_req_module.c, lookup): the
 * client's `excess` is kept in thousandths of a request, drains `r x 1000 x ms / 1000` (integer
 * division) per millisecond since the last accepted request, and a request that would take it
 * above `B x 1000` is refused without changing it; a client's first request is always accepted.
 *
 * The tests used the closed form 1 + floor(B + r x T) over the span T nginx saw, which holds only
 * while the bucket never empties, i.e. while requests arrive faster than r all along. A CI
 * machine running four lanes can stall the sending test for seconds (one run: 50 requests over
 * 6.6 s instead of 0.5 s, the closed form off by 92); replaying the actual arrivals holds for any
 * spacing. Arrival times come from nginx's access log at 1 ms resolution, so a replay can be
 * off by one request.
 */
export function limitReqPasses(arrivalsMs: readonly number[], ratePerSecond: number, burst: number): number {
  const rate = Math.round(ratePerSecond * 1000); // nginx: requests per 1000 s
  const limit = Math.round(burst * 1000);
  let excess = 0;
  let last: number | undefined;
  let passed = 0;
  for (const now of [...arrivalsMs].sort((a, b) => a - b)) {
    if (last === undefined) {
      last = now;
      passed++;
      continue;
    }
    const ms = Math.max(0, now - last);
    const next = Math.max(0, excess - Math.floor((rate * ms) / 1000) + 1000);
    if (next > limit) continue; // 429, the bucket unchanged
    excess = next;
    if (ms > 0) last = now;
    passed++;
  }
  return passed;
}
