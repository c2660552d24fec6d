#!/usr/bin/env bash
# `npm test`: sets up the machine (scripts/setup.sh, idempotent) and runs every suite:
#   1. jest unit/integration tests (program under Pulumi mocks, renderers + real
#      promtool/amtool/nginx, services, rules, dashboards)
#   2. pytest (merchant-api)
#   3. jest end-to-end suites against the local stack (tests/e2e, real binaries)
# Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
rm -f test-results/*.json test-results/*.xml

bash scripts/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
echo "== jest: unit and integration"
npx jest --ci --json --outputFile=test-results/jest-unit.json || status=1

echo "== pytest: merchant-api"
if [ -d services/merchant-api ]; then
  .venv/bin/python -m pytest -q services/merchant-api --junitxml=test-results/pytest.xml || status=1
fi

if [ -d tests/e2e ] && ls tests/e2e/*.test.ts >/dev/null 2>&1; then
  echo "== jest: end to end (local stack)"
  JEST_E2E=1 npx jest --ci --runInBand --json --outputFile=test-results/jest-e2e.json || status=1
fi

node scripts/summarize-tests.js test-results || status=1
exit $status
