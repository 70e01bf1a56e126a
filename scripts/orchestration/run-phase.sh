#!/usr/bin/env bash
# Runs one phase of a stack against its VM, by hand, through homelab-winrm (for debugging).
#
#   WINRM_PASSWORD=... [HOMELAB_DSRM_PASSWORD=... ...] scripts/orchestration/run-phase.sh <stack> <phase-id>
#
# The phase comes from out/<stack>/phases.json when `npm run render` wrote it, else from the
# stack config. Parameters travel in HOMELAB_PHASE_PARAMS (JSON), secrets in the HOMELAB_*
# variables the phase names: no value is ever on a command line. Exit code: the script's.
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
invocation=$(cd "$root" && npx --no-install ts-node --transpile-only phases/cli.ts invocation --stack "$stack" --phase "$phase" "${graph_args[@]}")

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
echo "phase $phase: $(field 'i.phase.title')" >&2
# shellcheck disable=SC2086 # $winrm is a command with its arguments
exec $winrm "${args[@]}"
