#!/usr/bin/env bash
# The main job (`make run`): index a real repository and answer queries from the index.
# Usage: scripts/run.sh RTLASSIST [REPO]
# Without REPO, a scratch copy of the HDL that Debian's yosys (Verilog) and ghdl-common (VHDL)
# packages install, so that a fresh machine has something real to index.
set -euo pipefail
bin=$1
repo=${2:-}

if [ -z "$repo" ]; then
  repo=${TMPDIR:-/tmp}/rtlassist-demo
  rm -rf "$repo"
  mkdir -p "$repo/yosys" "$repo/ghdl"
  cp -r /usr/share/yosys/. "$repo/yosys/"
  cp -r /usr/lib/ghdl/src/. "$repo/ghdl/"
  # the GHDL sources are the IEEE and standard libraries, not `work`
  cat > "$repo/.rtlassist.toml" <<'TOML'
[vhdl.libraries]
"ghdl/std" = "std"
"ghdl/ieee" = "ieee"
"ghdl/ieee2008" = "ieee"
"ghdl/synopsys" = "ieee"
"ghdl/upf" = "ieee"
TOML
  echo "== no REPO given: indexing a copy of Debian's yosys and ghdl HDL in $repo"
fi

echo "== rtlassist index -C $repo"
"$bin" index -C "$repo"
echo
echo "== rtlassist index -C $repo   (again: nothing changed, nothing is parsed)"
"$bin" index -C "$repo"
echo
echo "== rtlassist stats"
"$bin" stats -C "$repo"
echo
out=$(mktemp)
trap 'rm -f "$out"' EXIT
show() { # runs a query, prints its first lines (no SIGPIPE under pipefail)
  echo
  echo "== rtlassist $*"
  "$bin" "$@" > "$out" || true
  head -n 12 "$out"
  [ "$(wc -l < "$out")" -le 12 ] || echo "... ($(wc -l < "$out") lines)"
}

show units -C "$repo"
# the most instantiated unit, and a VHDL name typed in another case
read -r unit vhdl_name < <("$bin" units -C "$repo" --json | python3 -c '
import json, sys
units = json.load(sys.stdin)["units"]
sv = [u["name"] for u in units if u["language"] != "vhdl" and u["kind"] == "module"]
vh = [u["name"] for u in units if u["language"] == "vhdl"]
print(sv[len(sv) // 2] if sv else "-", vh[len(vh) // 2].upper() if vh else "-")')
if [ -n "${DEMO_UNIT:-}" ]; then unit=$DEMO_UNIT; fi
if [ -d "$repo/yosys/ice40" ] && [ -z "${DEMO_UNIT:-}" ]; then unit=SB_LUT4; fi
show find -C "$repo" "$unit"
show find -C "$repo" --refs "$unit"
[ "$vhdl_name" = "-" ] || show find -C "$repo" "$vhdl_name"
if [ -d "$repo/yosys/ice40" ] && [ -z "${DEMO_UNIT:-}" ]; then
  show search -C "$repo" "dual port block ram" --top 5
  show trace -C "$repo" O --unit SB_LUT4 --drivers
else
  show search -C "$repo" "${DEMO_QUERY:-fifo full flag}" --top 5
fi
show hierarchy -C "$repo" --depth 1
# what a unit does, from the index alone (a chat model, when configured, adds prose)
if [ -d "$repo/yosys/ice40" ] && [ -z "${DEMO_UNIT:-}" ]; then
  show explain SB_DFF -C "$repo" --no-model
else
  show explain "$unit" -C "$repo" --no-model
fi
