"""merchant-api's HTTP behaviour on a real server: answers, bad requests and exact counting
under concurrency."""
from __future__ import annotations

import asyncio

import httpx
import pytest

from .conftest import scrape, value


def test_a_known_merchant_is_served_and_an_unknown_one_is_a_404(server):
    response = httpx.get(f"{server.url}/merchants/acme-retail")
    assert response.status_code == 200
    assert response.json()["id"] == "acme-retail"
    missing = httpx.get(f"{server.url}/merchants/not-a-merchant")
    assert (missing.status_code, missing.json()["error"]) == (404, "merchant_not_found")


@pytest.mark.parametrize("method, path, body, status, code, message", [
    ("GET", "/merchants/Not_Valid", None, 400, "invalid_merchant_id", "lowercase"),
    ("GET", "/merchants/globex/transactions?limit=500", None, 400, "invalid_request", "limit"),
    ("GET", "/merchants/globex/transactions?limit=abc", None, 400, "invalid_request", "limit"),
    ("PATCH", "/merchants/globex/settings", "{nope", 400, "invalid_json", "not valid JSON"),
    ("PATCH", "/merchants/globex/settings", '{"payoutSchedule": "hourly"}', 400, "invalid_request", "payoutSchedule"),
    ("PATCH", "/merchants/globex/settings", '{"payoutSchedule": "daily", "x": 1}', 400, "invalid_request", "x"),
    ("DELETE", "/merchants/globex", None, 405, "method_not_allowed", "method"),
])
def test_a_bad_request_gets_a_clear_4xx_and_is_counted_under_its_route(server, method, path, body, status, code, message):
    before = scrape(server.url)
    response = httpx.request(method, f"{server.url}{path}", content=body, headers={"content-type": "application/json"} if body else {})
    assert response.status_code == status
    assert response.json()["error"] == code
    assert message in response.json()["message"]
    after = scrape(server.url)
    route = "/merchants/{merchant_id}" + next((s for s in ("/transactions", "/settings") if s in path), "")
    labels = {"method": method, "route": route, "status": str(status)}
    assert value(after, "http_requests_total", labels) - value(before, "http_requests_total", labels) == 1


def test_after_300_concurrent_requests_the_counter_deltas_equal_the_requests_by_route_status_and_merchant(server):
    plan = ([("/merchants/globex", 200)] * 120 + [("/merchants/hooli/balance", 200)] * 60
            + [("/merchants/not-listed", 404)] * 70 + [("/merchants/BAD!", 400)] * 50)

    async def run() -> list[int]:
        # A counting test, not a speed test: httpx's default 5 s also bounds the wait for a pooled
        # connection, and on CI's busy machine (pytest beside the unit phase and four stacks) the
        # last of 300 requests queued longer than that (httpx.PoolTimeout). Still bounded.
        timeout = httpx.Timeout(60.0)
        async with httpx.AsyncClient(base_url=server.url, limits=httpx.Limits(max_connections=100), timeout=timeout) as client:
            responses = await asyncio.gather(*(client.get(path) for path, _ in plan))
            return [r.status_code for r in responses]

    before = scrape(server.url)
    statuses = asyncio.run(run())
    assert statuses == [status for _, status in plan]
    after = scrape(server.url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, labels) - value(before, name, labels)

    m = "/merchants/{merchant_id}"
    assert delta("http_requests_total", method="GET", route=m, status="200") == 120
    assert delta("http_requests_total", method="GET", route=m + "/balance", status="200") == 60
    assert delta("http_requests_total", method="GET", route=m, status="404") == 70
    assert delta("http_requests_total", method="GET", route=m, status="400") == 50
    assert delta("http_request_duration_seconds_count", method="GET", route=m, status="200") == 120
    assert delta("merchant_api_calls_total", merchant="globex", endpoint="get_merchant", status="200") == 120
    assert delta("merchant_api_calls_total", merchant="hooli", endpoint="get_balance", status="200") == 60
    assert delta("merchant_api_calls_total", merchant="other", endpoint="get_merchant", status="404") == 70
    assert delta("merchant_api_calls_total", merchant="other", endpoint="get_merchant", status="400") == 50
    assert value(after, "http_requests_in_flight", {}) == 0
