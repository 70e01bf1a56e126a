#!/usr/bin/env bash
# Lists a stack's phases in waves (phases of one wave can run in parallel), with the VM address
# and script of each: scripts/orchestration/list-phases.sh <stack>
set -euo pipefail
if [[ $# -ne 1 ]]; then echo "usage: $0 <stack>" >&2; exit 2; fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
graph_args=()
if [[ -f "$root/out/$1/phases.json" ]]; then graph_args=(--graph "$root/out/$1/phases.json"); fi
cd "$root" && exec node bin/homelab.js phases waves --stack "$1" "${graph_args[@]}"
