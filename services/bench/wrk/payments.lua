-- POST /payments with 100 rotating valid bodies (amounts, currencies, merchants incl. an unlisted
-- one), so the benchmark exercises validation, outcome, business metrics and the JSON reply.
dofile(os.getenv("BENCH_WRK_DIR") .. "/summary.lua")
local merchants = { "acme-retail", "globex", "hooli", "initech", "wayne-books", "not-listed" }
local currencies = { "USD", "EUR", "GBP", "CAD", "AUD" }
local bodies = {}
local n = 0

function init(args)
  for i = 1, 100 do
    bodies[i] = string.format('{"amount":%d.%02d,"currency":"%s","merchantId":"%s"}',
      5 + (i * 37) % 500, (i * 13) % 100, currencies[(i % 5) + 1], merchants[(i % 6) + 1])
  end
end

function request()
  n = n + 1
  return wrk.format("POST", "/payments", { ["Content-Type"] = "application/json" }, bodies[(n % 100) + 1])
end

function done(summary, latency, requests)
  summary_json(summary, latency)
end
