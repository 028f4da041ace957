#!/usr/bin/env bash
# Benchmarks, run by hand (`make bench`, or `tests/bench/run.sh BUILD_DIR [REPO]`). Prints figures;
# asserts nothing (machines are shared and noisy: compare the ratios printed within one run).
#
# REPO (or $BENCH_REPO) is the workspace to measure, e.g. a local OpenTitan checkout; by default a
# scratch copy of Debian's yosys and ghdl-common HDL. It is copied to a scratch folder first, so
# that the benchmark's edits never touch it.
set -euo pipefail
build=${1:-build}
repo=${2:-${BENCH_REPO:-}}
bin=$build/rtlassist
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ -z "$repo" ]; then
  mkdir -p "$scratch/src/yosys" "$scratch/src/ghdl"
  cp -r /usr/share/yosys/. "$scratch/src/yosys/"
  cp -r /usr/lib/ghdl/src/. "$scratch/src/ghdl/"
  repo=$scratch/src
fi
ws=$scratch/ws
mkdir -p "$ws"
(cd "$repo" && tar cf - --exclude=.rtlassist --exclude=.git .) | tar xf - -C "$ws"
git -C "$ws" init -q && git -C "$ws" add -A && \
  git -C "$ws" -c user.email=bench@localhost -c user.name=bench commit -qm bench

echo "== workspace: $repo ($(find "$ws" -type f \( -name '*.sv' -o -name '*.svh' -o -name '*.v' \
  -o -name '*.vh' -o -name '*.vhd' -o -name '*.vhdl' \) | wc -l) HDL files, $(du -sh "$ws" | cut -f1))"
echo "== machine: $(nproc) cores, $(uname -r)"

if [ -x "$build/tests/bench/bench_sv_parse" ]; then
  echo; echo "== raw tree-sitter parse vs parse+extract, one core (bench_sv_parse)"
  "$build/tests/bench/bench_sv_parse" "$ws"
fi
if [ -x "$build/tests/bench/bench_vhdl_parse" ]; then
  echo; echo "== VHDL parse vs tree-sitter SystemVerilog parse, one core (bench_vhdl_parse)"
  "$build/tests/bench/bench_vhdl_parse"
fi

measure() { # label, command...: prints wall seconds and peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$scratch/t" "$@" > "$scratch/out" 2>"$scratch/err" || {
    cat "$scratch/err" >&2; return 1; }
  read -r secs kb < "$scratch/t"
  printf '%-34s %8.2f s  %7.0f MB peak   %s\n' "$label" "$secs" "$((kb / 1024))" \
    "$(grep -E '^indexed' "$scratch/out" | sed 's/ in [0-9.]* s;.*//')"
}

echo; echo "== rtlassist index"
rm -rf "$ws/.rtlassist"
measure "cold, 1 thread" env XDG_CONFIG_HOME="$scratch" bash -c \
  "printf '[index]\nthreads = 1\n' > '$ws/.rtlassist.toml' && '$bin' index -C '$ws'"
rm -rf "$ws/.rtlassist" "$ws/.rtlassist.toml"
measure "cold, all cores" "$bin" index -C "$ws"
measure "no change" "$bin" index -C "$ws"
measure "no change (again)" "$bin" index -C "$ws"
one=$(git -C "$ws" ls-files '*.sv' '*.v' | sed -n '200p;$p' | head -n 1 || true)
echo "// bench edit" >> "$ws/$one"
measure "one changed file (walk)" "$bin" index -C "$ws"
echo "// bench edit 2" >> "$ws/$one"
measure "one changed file (named)" "$bin" index -C "$ws" "$ws/$one"
git -C "$ws" stash -q 2>/dev/null || true
touch "$ws"/*/* 2>/dev/null || true
measure "all touched, content same" "$bin" index -C "$ws"
"$bin" stats -C "$ws" | grep -E 'files|index size|syntax'

if [ -x "$build/tests/bench/bench_index" ]; then
  echo; echo "== what search adds to a cold index: chunks, FTS and vectors against none (bench_index)"
  "$build/tests/bench/bench_index" "$ws" --runs 3
fi

if [ -x "$build/tests/bench/bench_retrieval" ]; then
  echo; echo "== search quality (MRR@10, R@1, R@10: lexical, vector, fused vs BM25 windows) and latency (bench_retrieval)"
  # verilog-eval and the yosys/ghdl query set; latency on REPO when one was given
  if [ -n "${2:-${BENCH_REPO:-}}" ]; then
    "$build/tests/bench/bench_retrieval" --rtlassist "$bin" --latency "$ws"
  else
    "$build/tests/bench/bench_retrieval" --rtlassist "$bin"
  fi
fi

if [ -x "$build/tests/bench/bench_completion_context" ]; then
  echo; echo "== completion context: recall of needed definitions vs BM25 windows, structural completion, assembly time (bench_completion_context)"
  "$build/tests/bench/bench_completion_context" --rtlassist "$bin" "$ws"
fi

if [ -x "$build/tests/bench/bench_graph" ]; then
  echo; echo "== design graph: full re-resolve vs a cold index, trace latency (bench_graph)"
  rm -rf "$ws/.rtlassist"
  /usr/bin/time -f "%e" -o "$scratch/t" "$bin" index -C "$ws" > /dev/null
  "$build/tests/bench/bench_graph" "$ws/.rtlassist/index.db" "$(cat "$scratch/t")" 200
  "$bin" hierarchy -C "$ws" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); n=lambda t: 1+sum(n(c) for c in t["children"]); print("tops %d, instance-tree nodes %d, unresolved %d" % (len(j["tops"]), sum(n(t) for t in j["tops"]), len(j["unresolved"])))'
fi

echo; echo "== daemon: queries during a full index, save -> visible (bench_daemon.py)"
python3 "$(dirname "$0")/bench_daemon.py" "$bin" "$ws"
