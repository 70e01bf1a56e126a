#!/usr/bin/env bash
# Runs one phase of a stack against its VM, by hand, through homelab-winrm (for debugging).
#
#   WINRM_PASSWORD=... [HOMELAB_DSRM_PASSWORD=... ...] scripts/orchestration/run-phase.sh <stack> <phase-id>
#
# The phase comes from out/<stack>/phases.json when `npm run render` wrote it, else from the
# stack config. Parameters travel in HOMELAB_PHASE_PARAMS (JSON), secrets in the HOMELAB_*
# variables the phase names: no value is ever on a command line. Exit code: the script's.
#
# A phase that exits 3010 is rebooted by homelab-winrm and then run again, until a run leaves the
# guest's boot time unchanged (the phase said "done" or "already done"), at most the phase's
# maxRuns times; exit code 3 when it still asks for a reboot after that.
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 <stack> <phase-id>   (list the phases: scripts/orchestration/list-phases.sh <stack>)" >&2
  exit 2
fi
stack=$1
phase=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
winrm=${HOMELAB_WINRM:-"npx --no-install homelab-winrm"}

graph_args=()
if [[ -f "$root/out/$stack/phases.json" ]]; then graph_args=(--graph "$root/out/$stack/phases.json"); fi
# The compiled `homelab` CLI (npm ci builds it), the one command-line face of the project.
invocation=$(cd "$root" && node bin/homelab.js phases invocation --stack "$stack" --phase "$phase" "${graph_args[@]}")

field() { node -e 'const i = JSON.parse(process.argv[1]); process.stdout.write(eval(process.argv[2]))' "$invocation" "$1"; }

missing=()
while IFS='=' read -r variable key; do
  [[ -z $variable ]] && continue
  if [[ -z ${!variable:-} ]]; then missing+=("$variable (the stack's secret homelab:$key)"); fi
done < <(field 'Object.entries(i.secretEnv).map(([v, k]) => `${v}=${k}\n`).join("")')
if [[ -z ${WINRM_PASSWORD:-} ]]; then missing+=("WINRM_PASSWORD (the password of the WinRM user)"); fi
if [[ ${#missing[@]} -gt 0 ]]; then
  printf 'set these environment variables first (read -rs VAR; export VAR):\n' >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 2
fi

HOMELAB_PHASE_PARAMS=$(field 'i.env.HOMELAB_PHASE_PARAMS')
export HOMELAB_PHASE_PARAMS
mapfile -d '' args < <(field 'i.args.map((a) => a + "\0").join("")')
# The connection options of `run` (everything between it and --script), for `homelab-winrm wait`.
mapfile -d '' connection < <(field 'i.args.slice(1, i.args.indexOf("--script")).map((a) => a + "\0").join("")')
max_runs=$(field 'String(i.phase.maxRuns ?? 1)')
echo "phase $phase: $(field 'i.phase.title')" >&2

# shellcheck disable=SC2086 # $winrm is a command with its arguments
if (( max_runs <= 1 )); then exec $winrm "${args[@]}"; fi
run=1
while true; do
  # shellcheck disable=SC2086
  before=$($winrm wait "${connection[@]}")
  set +e
  # shellcheck disable=SC2086
  $winrm "${args[@]}"
  code=$?
  set -e
  if (( code != 0 )); then exit "$code"; fi
  # shellcheck disable=SC2086
  after=$($winrm wait "${connection[@]}")
  if [[ $after == "$before" ]]; then exit 0; fi
  if (( run >= max_runs )); then
    echo "phase $phase still asks for a reboot after $max_runs runs: read the 'a reboot is pending' line of its log in C:\\Lab\\logs" >&2
    exit 3
  fi
  run=$((run + 1))
  echo "phase $phase: the guest rebooted (boot time $after); run $run of $max_runs" >&2
done
