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
echo "== rtlassist units | head"
"$bin" units -C "$repo" | head -n 10
first_module=$("$bin" units -C "$repo" --json | python3 -c '
import json, sys
units = json.load(sys.stdin)["units"]
mods = [u for u in units if u["kind"] == "module"]
print(mods[len(mods) // 2]["name"] if mods else units[0]["name"])')
echo
echo "== rtlassist find $first_module"
"$bin" find -C "$repo" "$first_module"
echo
echo "== rtlassist find --refs $first_module | head"
"$bin" find -C "$repo" --refs "$first_module" | head -n 10 || true
