#!/usr/bin/env bash
# Idempotent set-up of everything the project needs on a fresh Debian 12 / Ubuntu machine:
#   - Debian packages: prometheus (+promtool), prometheus-alertmanager (+amtool),
#     prometheus-node-exporter, prometheus-process-exporter, nginx, chromium, wrk, openssl
#   - npm dependencies (npm ci, from package-lock.json)
#   - the Python virtualenv for merchant-api (.venv)
#   - promtool and amtool at the SAME versions as the dev/prod images, built from the
#     Go module proxy into .local/bin, so rendered files are checked by the versions
#     that will run them (Debian's are older: 2.42 / 0.25).
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

APT_PACKAGES=(prometheus prometheus-alertmanager prometheus-node-exporter prometheus-process-exporter nginx-light chromium wrk openssl ca-certificates)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The packages' own services must not hold the ports the local stack uses.
for svc in prometheus prometheus-alertmanager prometheus-node-exporter prometheus-process-exporter nginx; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    say "stopping the distro's $svc service (the local stack runs its own)"
    $SUDO systemctl stop "$svc" || true
  elif [ -x "/etc/init.d/$svc" ] && "/etc/init.d/$svc" status >/dev/null 2>&1; then
    $SUDO "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
  fi
done

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

REQ=(services/merchant-api/requirements.txt services/merchant-api/requirements-dev.txt)
if [ ! -x .venv/bin/python ]; then
  say "creating the Python virtualenv .venv"
  python3 -m venv .venv
fi
want=$(cat "${REQ[@]}" 2>/dev/null | sha256sum | cut -c1-16)
if [ "$(cat .venv/.requirements 2>/dev/null)" != "$want" ]; then
  say "pip install (merchant-api)"
  .venv/bin/pip install -q --disable-pip-version-check $(printf -- '-r %s ' "${REQ[@]}")
  echo "$want" > .venv/.requirements
fi

# Tool versions follow the pinned images (config/schema.ts): Prometheus v3.5.0 is Go
# module v0.305.0; Alertmanager v0.28.1.
PROM_MODULE=v0.305.0
AM_VERSION=v0.28.1
mkdir -p .local/bin
build_go_tool() { # name module version package out
  local name=$1 module=$2 version=$3 pkg=$4 out=$5
  [ -x "$out" ] && return 0
  say "building $name $version from the Go module proxy (one-off, a few minutes)"
  local src
  src=$(go mod download -json "$module@$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  local work
  work=$(mktemp -d)
  cp -r "$src" "$work/src" && chmod -R u+w "$work/src"
  # The modules carry replace directives, so `go install mod@ver` refuses them; build in place.
  (cd "$work/src" && GOFLAGS=-mod=mod go build -trimpath -o "$ROOT/$out" "./$pkg")
  rm -rf "$work"
}
build_go_tool promtool github.com/prometheus/prometheus "$PROM_MODULE" cmd/promtool .local/bin/promtool-3.5.0
build_go_tool amtool github.com/prometheus/alertmanager "$AM_VERSION" cmd/amtool .local/bin/amtool-0.28.1
build_go_tool alertmanager github.com/prometheus/alertmanager "$AM_VERSION" cmd/alertmanager .local/bin/alertmanager-0.28.1
say "ready"
