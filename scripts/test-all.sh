#!/usr/bin/env bash
# `npm test`: sets up the machine (scripts/setup.sh test, idempotent) and runs every suite:
#   1. jest unit/integration tests (program under Pulumi mocks, renderers + real
#      promtool/amtool/nginx, services, rules, dashboards)
#   2. pytest (merchant-api)
#   3. jest: the prod stack under the real Pulumi engine against a loopback Kubernetes API
#      server (tests/engine; see README "The real engine"), as a lane after the HA lane
#   4. jest end-to-end suites against local stacks (tests/e2e, real binaries), in lanes that
#      run beside 1 and 2
# Ends with a table of how long each phase took (the CI budget, visible in every run) and one
# line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-results
rm -rf test-results/*.json test-results/*.xml test-results/phases.tsv test-results/.lane-done

T_ALL=$SECONDS
# The machine's CPU counters (/proc/stat, all cores) at the start: printed at the end as how
# busy the cores were, and how much of their time the host took for others (steal). A run
# that is slow because the host was contended shows it there, not as a mystery.
read -r _ CPU0 < /proc/stat
# phase <name> <command...>: runs a phase, records its duration and result.
phase() {
  local name=$1; shift
  local t=$SECONDS
  echo "== $name"
  "$@"
  local rc=$?
  printf '%s\t%s\t%s\n' "$name" $((SECONDS - t)) "$([ $rc = 0 ] && echo ok || echo "failed ($rc)")" >>test-results/phases.tsv
  return $rc
}

status=0
if ! phase "setup" bash scripts/setup.sh test; then
  echo "setup failed (see the lines above)"
  node scripts/summarize-tests.js test-results --phases test-results/phases.tsv --setup-failed
  exit 1
fi

# Two cores, about 2 hours of suites: the suites that mostly wait (drills hold a fault for
# minutes, alerts wait for their `for:`) run side by side as lanes, each on its own local
# stack (own state dir, ports + its E2E_PORT_OFFSET: offsets 500 apart share no port), while
# the CPU-bound unit suites run in the foreground. The real engine (a loopback API server
# and the Pulumi CLI, much of it waiting on them) runs as a lane after the HA lane has ended,
# beside the unit suites and not after them: the run's longest path is then the outage lane.
# Each lane's output goes to test-results/<lane>.log and is printed when the lane ends;
# phases.tsv has its time (from its own start, not from the wait before it).
lane() { # lane <name> <delay s | after:<lane name>> <command...>: a phase in the background, output to its log
  local name=$1 start=$2; shift 2
  ( case $start in
      after:*) until [ -e "test-results/.lane-done/${start#after:}" ]; do sleep 5; done ;;
      *) sleep "$start" ;;
    esac
    phase "$name" "$@" >"test-results/$name.log" 2>&1; rc=$?
    mkdir -p test-results/.lane-done && touch "test-results/.lane-done/$name"
    echo "----- $name (exit $rc; log test-results/$name.log) -----"; cat "test-results/$name.log"; exit $rc ) &
  LANES+=("$!")
}
e2e() { # e2e <report name> <port offset> <traffic scale> <test path patterns...>
  local report=$1 offset=$2 scale=$3; shift 3
  env JEST_E2E=1 E2E_PORT_OFFSET="$offset" E2E_TRAFFIC_SCALE="$scale" npx jest --ci --runInBand --json --outputFile="test-results/jest-e2e-$report.json" "$@"
}
LANES=()
if [ -d tests/e2e ] && ls tests/e2e/*.test.ts >/dev/null 2>&1; then
  # Staggered starts: four stacks starting at once on two cores miss their health deadlines.
  # The drill lanes generate 1/4 of the brief's traffic (tests/e2e/stack-env.ts says why); the
  # main lane generates all of it and checks that Prometheus counts it.
  lane "e2e: outage drills" 0 e2e outage 20500 0.25 tests/e2e/04-outage-drill tests/e2e/99-teardown
  lane "e2e: memory and OOM drills" 60 e2e memory 21000 0.25 tests/e2e/03-memory-drill tests/e2e/06-oom-drill tests/e2e/99-teardown
  lane "e2e: stack, dashboards, front door, meta-monitoring" 120 e2e main 20000 1 tests/e2e/01-stack tests/e2e/02-dashboards tests/e2e/05-dead-mans-switch tests/e2e/05-front-door tests/e2e/06-notifications-failing tests/e2e/99-teardown
  lane "e2e: HA (Thanos, Alertmanager cluster)" 180 e2e ha 21500 0.25 tests/e2e/ha
  lane "jest: real engine (prod, loopback kube-apiserver)" "after:e2e: HA (Thanos, Alertmanager cluster)" env JEST_ENGINE=1 npx jest --ci --runInBand --json --outputFile=test-results/jest-engine.json
fi

# PROMTOOL_JOBS=2: the promtool timelines two at a time (rules/promtool.test.ts). One at a time
# they took 32 of the phase's 53 minutes on 2026-12-01, most of it after three lanes had ended.
phase "jest: unit and integration" env PROMTOOL_JOBS=2 npx jest --ci --json --outputFile=test-results/jest-unit.json || status=1

if [ -d services/merchant-api ]; then
  phase "pytest: merchant-api" .venv/bin/python -m pytest -q services/merchant-api --junitxml=test-results/pytest.xml || status=1
fi

if [ ${#LANES[@]} -eq 0 ]; then
  phase "jest: real engine (prod, loopback kube-apiserver)" env JEST_ENGINE=1 npx jest --ci --runInBand --json --outputFile=test-results/jest-engine.json || status=1
fi

for pid in "${LANES[@]}"; do wait "$pid" || status=1; done

printf '%s\t%s\t%s\n' "total" $((SECONDS - T_ALL)) "" >>test-results/phases.tsv
read -r _ CPU1 < /proc/stat
node -e '
  const [a, b] = process.argv.slice(1).map((s) => s.trim().split(/\s+/).map(Number));
  const d = b.map((x, i) => x - a[i]); // user nice system idle iowait irq softirq steal ...
  const all = d.slice(0, 8).reduce((x, y) => x + y, 0) || 1;
  const pct = (x) => `${((100 * x) / all).toFixed(0)}%`;
  const cores = require("os").availableParallelism();
  console.log(`\nCPU over the run (${cores} cores, /proc/stat): busy ${pct(d[0] + d[1] + d[2] + d[5] + d[6])}, idle ${pct(d[3] + d[4])}, taken by the host (steal) ${pct(d[7])}; ${((d[0] + d[1] + d[2] + d[5] + d[6]) / 100 / 60).toFixed(0)} CPU-minutes used`);
' "$CPU0" "$CPU1" | tee test-results/cpu.txt
node scripts/summarize-tests.js test-results --phases test-results/phases.tsv || status=1
exit $status
