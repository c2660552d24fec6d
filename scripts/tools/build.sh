#!/usr/bin/env bash
# Builds the project's Go tools from the Go module proxy and caches them OUTSIDE the clone,
# keyed by version (scripts/tools/versions.env), so a second clone or a CI run on the same
# machine reuses them and nothing is rebuilt when present.
#
#   scripts/tools/build.sh <tool|group>...      e.g. `test`, `ha`, `engine`, `thanos`
#
# Tools: go (the toolchain itself, only when the machine's is missing or too old), promtool,
# prometheus (the images' server, for the steady-state benchmarks),
# alertmanager (+amtool), rule-replay (the backtest's engine, rules/backtest/replay), pulumi, pulumi-kubernetes, kubernetes (kube-apiserver +
# kube-controller-manager), thanos, cadvisor.
# Groups: stack (what `npm start` runs beyond Debian's packages: the images' Alertmanager, whose
# url_file the dead man's switch needs, and cadvisor, built side by side), ha
# (`npm start -- --ha`), test (everything `npm test` uses), bench (what the benchmarks add).
#
# Output: one line when a build starts (with the expected duration) and one when it ends;
# the go command's own output goes to $TOOLS_DIR/logs/<tool>-<version>.log, whose tail is
# printed when a build fails. Builds are atomic (a temp dir renamed into place) and locked
# (flock), so two clones building at once do not corrupt the cache.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=versions.env
. "$HERE/versions.env"

TOOLS_DIR=${MONITORING_STACK_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/monitoring-stack/tools}
LOG_DIR=$TOOLS_DIR/logs
mkdir -p "$TOOLS_DIR" "$LOG_DIR"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=${GOTOOLCHAIN:-local}

say() { printf '[tools] %s\n' "$*"; }
fail() { printf '[tools] ERROR: %s\n' "$*" >&2; exit 1; }
elapsed() { local s=$1; printf '%dm%02ds' $((s / 60)) $((s % 60)); }

# --- the Go toolchain ----------------------------------------------------------------------
GO_MIN=1.24
GO_PIN=1.26.8
go_ok() { # is `go` present and at least GO_MIN?
  command -v go >/dev/null || return 1
  local v; v=$(go env GOVERSION 2>/dev/null | sed 's/^go//')
  [ -n "$v" ] && [ "$(printf '%s\n%s\n' "$GO_MIN" "$v" | sort -V | head -1)" = "$GO_MIN" ]
}
ensure_go() {
  go_ok && return 0
  local dir=$TOOLS_DIR/go-$GO_PIN
  if [ ! -x "$dir/bin/go" ]; then
    # Debian 12's golang-go is 1.19, too old for these modules and for GOTOOLCHAIN switching;
    # the Go module proxy serves the approved toolchains as modules (golang.org/toolchain).
    local proxy; proxy=$(printf '%s' "${GOPROXY:-https://proxy.golang.org}" | cut -d, -f1)
    local arch; arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
    local zip=$TOOLS_DIR/go-$GO_PIN.zip
    say "go $GO_PIN: fetching the toolchain from the Go module proxy (the machine's go is missing or older than $GO_MIN)"
    command -v unzip >/dev/null || { apt-get install -y -qq unzip >/dev/null 2>&1 || fail "unzip is missing and could not be installed (apt-get install unzip)"; }
    curl -fsSL -o "$zip" "$proxy/golang.org/toolchain/@v/v0.0.1-go$GO_PIN.linux-$arch.zip" \
      || fail "could not download Go $GO_PIN from $proxy (set GOPROXY, or install Go >= $GO_MIN)"
    local tmp; tmp=$(mktemp -d "$TOOLS_DIR/.go-XXXX")
    unzip -q "$zip" -d "$tmp" && rm -f "$zip"
    mv "$tmp/golang.org/toolchain@v0.0.1-go$GO_PIN.linux-$arch" "$dir"; rm -rf "$tmp"
    chmod +x "$dir"/bin/* "$dir"/pkg/tool/*/* 2>/dev/null || true
  fi
  export PATH=$dir/bin:$PATH
  go_ok || fail "Go $GO_PIN at $dir does not run"
}

# --- helpers -------------------------------------------------------------------------------
module_dir() { # module version -> prints the read-only module cache directory
  go mod download -json "$1@$2" | python3 -c 'import json,sys; d=json.load(sys.stdin); e=d.get("Error"); print(d["Dir"]) if not e else sys.exit(e)'
}
writable_copy() { # module version dest: a writable copy, so the module's replace directives hold
  local src; src=$(module_dir "$1" "$2") || return 1
  cp -r "$src" "$3" && chmod -R u+w "$3"
}

# build <tool> <version> <minutes-expected> <function>: runs <function> <outdir> <workdir>
# under a lock, with its output in the log, and renames outdir into place on success.
build() {
  local tool=$1 version=$2 expect=$3 fn=$4
  local dest=$TOOLS_DIR/$tool-$version
  [ -f "$dest/.complete" ] && return 0
  exec 9>"$TOOLS_DIR/.lock-$tool-$version"
  flock 9
  if [ -f "$dest/.complete" ]; then flock -u 9; return 0; fi
  ensure_go
  local log=$LOG_DIR/$tool-$version.log
  local work; work=$(mktemp -d "${TMPDIR:-/tmp}/ms-tool-$tool.XXXX")
  local out=$TOOLS_DIR/.$tool-$version.partial
  rm -rf "$out"; mkdir -p "$out"
  say "$tool $version: building from the Go module proxy (first time on this machine, ~$expect on 2 cores; log $log)"
  local t0=$SECONDS
  if ! ( "$fn" "$out" "$work" ) >"$log" 2>&1; then
    rm -rf "$work" "$out"
    echo "----- last lines of $log -----" >&2; tail -n 25 "$log" >&2
    flock -u 9
    fail "$tool $version: build failed after $(elapsed $((SECONDS - t0))) (full log: $log)"
  fi
  rm -rf "$work" "$dest"
  date -u +%FT%TZ >"$out/.complete"
  mv "$out" "$dest"
  flock -u 9
  say "$tool $version: built in $(elapsed $((SECONDS - t0))) -> $dest"
}

# --- recipes (each: $1 = output dir, $2 = scratch dir) ---------------------------------------
recipe_promtool() {
  writable_copy github.com/prometheus/prometheus "$PROMETHEUS_MODULE" "$2/src"
  cd "$2/src"
  go build -trimpath -ldflags "-X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION" -o "$1/promtool" ./cmd/promtool
}
recipe_prometheus() {
  # The server the images run, for the steady-state benchmarks (bench:rules/bench:dashboards
  # --history): they measure the version production runs (Debian's 2.42 is slower on the same
  # data, dashboards/README.md). No web UI assets (they are not in the module): the API, which is all a benchmark asks, works.
  writable_copy github.com/prometheus/prometheus "$PROMETHEUS_MODULE" "$2/src"
  cd "$2/src"
  go build -trimpath -ldflags "-X github.com/prometheus/common/version.Version=$PROMETHEUS_VERSION" -o "$1/prometheus" ./cmd/prometheus
}
recipe_alertmanager() {
  writable_copy github.com/prometheus/alertmanager "v$ALERTMANAGER_VERSION" "$2/src"
  cd "$2/src"
  local ld="-X github.com/prometheus/common/version.Version=$ALERTMANAGER_VERSION"
  go build -trimpath -ldflags "$ld" -o "$1/alertmanager" ./cmd/alertmanager
  go build -trimpath -ldflags "$ld" -o "$1/amtool" ./cmd/amtool
}
recipe_pulumi() {
  # pkg's go.mod says `replace github.com/pulumi/pulumi/sdk/v3 => ../sdk`: lay both side by side.
  writable_copy github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION" "$2/pkg"
  writable_copy github.com/pulumi/pulumi/sdk/v3 "v$PULUMI_VERSION" "$2/sdk"
  cd "$2/pkg"
  go build -trimpath -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" -o "$1/pulumi" ./cmd/pulumi
}
recipe_pulumi_kubernetes() {
  writable_copy github.com/pulumi/pulumi-kubernetes/provider/v4 "$PULUMI_KUBERNETES_PROVIDER_MODULE" "$2/provider"
  writable_copy github.com/pulumi/pulumi-kubernetes/sdk/v4 "$PULUMI_KUBERNETES_SDK_MODULE" "$2/sdk"
  cd "$2/provider/cmd/pulumi-resource-kubernetes"
  # upstream's `go generate` step: the embedded schema carries the build's version
  VERSION=$PULUMI_KUBERNETES_PROVIDER_VERSION go run ./generate.go
  cd "$2/provider"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$PULUMI_KUBERNETES_PROVIDER_VERSION" \
    -o "$1/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
}
recipe_kubernetes() {
  writable_copy k8s.io/kubernetes "v$KUBERNETES_VERSION" "$2/src"
  cd "$2/src"
  # The module ships a go.work (for staging/, which the zip leaves out); workspace mode also
  # refuses GOFLAGS=-mod=mod. Build the module on its own.
  export GOWORK=off
  # The module zip leaves out staging/ (nested modules); point every staging replace at the
  # published k8s.io/X module of the same release.
  local m edits=()
  for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' go.mod); do
    edits+=("-replace=$m=$m@v$KUBERNETES_STAGING_VERSION")
  done
  [ ${#edits[@]} -gt 0 ] || { echo "no staging replaces found in go.mod"; return 1; }
  go mod edit "${edits[@]}"
  local minor=${KUBERNETES_VERSION#*.}; minor=${minor%%.*}
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  go build -trimpath -ldflags "$ld" -o "$1/kube-apiserver" ./cmd/kube-apiserver
  go build -trimpath -ldflags "$ld" -o "$1/kube-controller-manager" ./cmd/kube-controller-manager
}
recipe_thanos() {
  writable_copy github.com/thanos-io/thanos "v$THANOS_VERSION" "$2/src"
  cd "$2/src"
  # slicelabels is set by upstream's release build; without it the sidecars panic in grpc's
  # buffer pool on the querier's first call.
  go build -trimpath -tags slicelabels \
    -ldflags "-X github.com/prometheus/common/version.Version=$THANOS_VERSION" -o "$1/thanos" ./cmd/thanos
}
recipe_cadvisor() {
  # The upstream command (module github.com/google/cadvisor/cmd) is not served by the module
  # proxy and is not in the root module's zip; local/cadvisor/main.go wires the library's
  # manager, raw cgroup handler and Prometheus collector instead (its doc comment says how).
  # go.mod/go.sum are committed and used read-only: every dependency is pinned by checksum.
  local want="github.com/google/cadvisor v$CADVISOR_VERSION"
  grep -qF "$want" "$ROOT/local/cadvisor/go.mod" \
    || { echo "local/cadvisor/go.mod does not require $want (scripts/tools/versions.env CADVISOR_VERSION); run: cd local/cadvisor && go get github.com/google/cadvisor@v$CADVISOR_VERSION && go mod tidy"; return 1; }
  cp -r "$ROOT/local/cadvisor" "$2/src" && chmod -R u+w "$2/src"
  cd "$2/src"
  go build -mod=readonly -trimpath -ldflags "-X github.com/google/cadvisor/version.Version=$CADVISOR_VERSION" -o "$1/cadvisor" .
}

recipe_rule_replay() {
  # Our small main over Prometheus' rule engine (rules/backtest/replay), at the images' version.
  cp -r "$ROOT/rules/backtest/replay" "$2/src" && chmod -R u+w "$2/src"
  cd "$2/src"
  go mod edit -require="github.com/prometheus/prometheus@$PROMETHEUS_MODULE"
  go mod tidy
  go build -trimpath -o "$1/rule-replay" .
}
rule_replay_key() { # version of the engine + a hash of our main
  printf '%s-%s' "$PROMETHEUS_VERSION" "$(cat "$ROOT"/rules/backtest/replay/*.go "$ROOT"/rules/backtest/replay/go.mod | sha256sum | cut -c1-10)"
}

cadvisor_key() { # the cadvisor build depends on our main too: key it by version + source hash
  # (scripts/tools/find.ts computes the same hash: *.go in byte order, then go.mod, go.sum)
  local d=$ROOT/local/cadvisor
  printf '%s-%s' "$CADVISOR_VERSION" "$( { find "$d" -maxdepth 1 -name '*.go' | LC_ALL=C sort; echo "$d/go.mod"; echo "$d/go.sum"; } | xargs cat | sha256sum | cut -c1-10)"
}

one() {
  case $1 in
    go) ensure_go ;;
    promtool) build promtool "$PROMETHEUS_VERSION" "4 min" recipe_promtool ;;
    prometheus) build prometheus "$PROMETHEUS_VERSION" "5 min" recipe_prometheus ;;
    alertmanager|amtool) build alertmanager "$ALERTMANAGER_VERSION" "3 min" recipe_alertmanager ;;
    pulumi) build pulumi "$PULUMI_VERSION" "6 min" recipe_pulumi ;;
    pulumi-kubernetes) build pulumi-kubernetes "$PULUMI_KUBERNETES_PROVIDER_VERSION" "13 min, 5 GB RAM" recipe_pulumi_kubernetes ;;
    kubernetes) build kubernetes "$KUBERNETES_VERSION" "10 min" recipe_kubernetes ;;
    thanos) build thanos "$THANOS_VERSION" "8 min" recipe_thanos ;;
    cadvisor) build cadvisor "$(cadvisor_key)" "1 min" recipe_cadvisor ;;
    rule-replay) build rule-replay "$(rule_replay_key)" "2 min after promtool" recipe_rule_replay ;;
    stack) # two downloads and links side by side: the first `npm start` waits for the longer one
      local a c rc=0
      ensure_go
      one alertmanager & a=$!
      one cadvisor & c=$!
      wait $a || rc=1
      wait $c || rc=1
      return $rc ;;
    ha) one thanos ;;
    engine) one pulumi; one pulumi-kubernetes; one kubernetes ;;
    bench) one prometheus ;;
    test) one promtool; one alertmanager; one rule-replay; one thanos; one cadvisor; one engine ;;
    *) fail "unknown tool or group '$1' (tools: go promtool prometheus alertmanager rule-replay pulumi pulumi-kubernetes kubernetes thanos cadvisor; groups: stack ha engine test bench)" ;;
  esac
}

[ $# -gt 0 ] || set -- test
for t in "$@"; do one "$t"; done
