#!/usr/bin/env bash
# Idempotent set-up of a fresh Debian 12 / Ubuntu machine, in two depths:
#
#   scripts/setup.sh stack   what `npm start` runs: Debian's prometheus, node-exporter and
#                            nginx; the images' Alertmanager 0.28.1 (the dead man's switch's
#                            url_file needs 0.26+) and cAdvisor (local/cadvisor), built once from
#                            the Go module proxy (scripts/tools/build.sh); npm ci; the venv
#   scripts/setup.sh test    the above, plus what only the tests use: chromium, wrk, etcd, and
#                            the Go tools built from the Go module proxy at the images'
#                            versions (promtool/amtool/alertmanager, Thanos, cAdvisor, the
#                            Pulumi CLI + Kubernetes provider + kube-apiserver for the
#                            real-engine suite), cached outside the clone (scripts/tools/build.sh)
#
# Each step prints one line when it does something and one when it is done; the commands'
# own output goes to .local/log/setup.log, whose tail is shown when a step fails. Safe to run
# again: a step that has nothing to do prints nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
DEPTH=${1:-stack}
case $DEPTH in stack|test) ;; *) echo "usage: scripts/setup.sh [stack|test]" >&2; exit 2 ;; esac

mkdir -p .local/log
LOG=$PWD/.local/log/setup.log
: >"$LOG"
T0=$SECONDS
say() { printf '[setup] %s\n' "$*"; }
# step <description> <command...>: runs the command with its output in the log.
step() {
  local what=$1; shift
  local t=$SECONDS
  say "$what ..."
  if ! "$@" >>"$LOG" 2>&1; then
    echo "----- last lines of $LOG -----" >&2
    tail -n 30 "$LOG" >&2
    say "FAILED: $what (full log: $LOG)" >&2
    exit 1
  fi
  say "$what: done in $((SECONDS - t))s"
}

SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { say "FAILED: not root and no sudo: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

# --- Debian packages ------------------------------------------------------------------------
APT=(prometheus prometheus-alertmanager prometheus-node-exporter nginx-light openssl ca-certificates curl)
# The virtualenv module is split out of Debian's python3 (python3-venv); a Python without it
# (ensurepip missing) cannot create .venv.
python3 -c 'import ensurepip, venv' 2>/dev/null || APT+=(python3-venv)
[ "$DEPTH" = test ] && APT+=(chromium wrk etcd-server util-linux unzip)
missing=()
for p in "${APT[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"
}
if [ ${#missing[@]} -gt 0 ]; then
  step "installing Debian packages: ${missing[*]}" apt_install "${missing[@]}"
fi
# The packages' own services must not hold the ports the local stack uses.
for svc in prometheus prometheus-alertmanager prometheus-node-exporter nginx etcd; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then
    step "stopping the distro's $svc service (the local stack runs its own)" $SUDO systemctl stop "$svc"
  elif [ -x "/etc/init.d/$svc" ] && "/etc/init.d/$svc" status >/dev/null 2>&1; then
    step "stopping the distro's $svc service (the local stack runs its own)" $SUDO "/etc/init.d/$svc" stop
  fi
done

# --- npm and Python -------------------------------------------------------------------------
command -v node >/dev/null || { say "FAILED: Node.js 20+ is required (https://nodejs.org or apt-get install nodejs)" >&2; exit 1; }
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  step "npm ci" npm ci --no-audit --no-fund --loglevel=error
fi

REQ=(services/merchant-api/requirements.txt)
[ "$DEPTH" = test ] && REQ+=(services/merchant-api/requirements-dev.txt)
if [ ! -x .venv/bin/python ]; then
  step "creating the Python virtualenv .venv" python3 -m venv .venv
fi
want=$(cat "${REQ[@]}" | sha256sum | cut -c1-16)
if [ "$(cat ".venv/.requirements-$DEPTH" 2>/dev/null || true)" != "$want" ]; then
  step "pip install (merchant-api, $DEPTH)" .venv/bin/pip install -q --disable-pip-version-check $(printf -- '-r %s ' "${REQ[@]}")
  echo "$want" >".venv/.requirements-$DEPTH"
fi

# --- Go tools (cached outside the clone, keyed by version) -----------------------------------
# build.sh prints its own start/done lines and keeps each build's output in its own log.
# `stack`: Alertmanager 0.28.1 and cAdvisor (the local stack runs them); `test`: every tool the suites use.
bash scripts/tools/build.sh "$DEPTH" || { say "FAILED: building the Go tools (see the log named above)" >&2; exit 1; }
say "ready ($DEPTH) in $((SECONDS - T0))s"
