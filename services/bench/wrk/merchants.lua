-- GET /merchants/{id} over the 20 listed merchants (the merchant-api hot path).
dofile(os.getenv("BENCH_WRK_DIR") .. "/summary.lua")
local merchants = { "acme-retail", "bluth-homes", "cyberdyne", "dunder-paper", "globex", "gringotts-travel",
  "hooli", "initech", "krusty-burger", "monarch-hotels", "northwind", "oceanic-air", "pied-piper",
  "soylent-foods", "stark-hardware", "tyrell-tech", "umbrella-pharmacy", "vandelay-imports", "wayne-books", "wonka-sweets" }
local n = 0

function request()
  n = n + 1
  return wrk.format("GET", "/merchants/" .. merchants[(n % 20) + 1])
end

function done(summary, latency, requests)
  summary_json(summary, latency)
end
