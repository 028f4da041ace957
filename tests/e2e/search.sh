#!/usr/bin/env bash
# End-to-end: `rtlassist search` on a workspace made from tests/fixtures/sv, indexed by the real
# binary. The JSON schema, expected top hits for a question in words and for identifiers, the
# channels reported, --kind/--path filters, text output, and bad queries (exit status 2 with a
# message, never a crash).
# Usage: search.sh RTLASSIST SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }

ws=$work/ws
mkdir -p "$ws"
cp -r "$src/tests/fixtures/sv" "$ws/sv"
rm -f "$ws"/sv/*.golden
git -C "$ws" init -q
git -C "$ws" add -A
export XDG_CONFIG_HOME=$work/xdg # no user settings leak in

"$bin" index -C "$ws" > /dev/null
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from chunks").fetchone()[0])' "$ws/.rtlassist/index.db")
[ "$n" -gt 0 ] || fail "the index has no chunks (the SystemVerilog front end emits none)"; ok

# --- JSON schema ----------------------------------------------------------------------
"$bin" search -C "$ws" "fifo occupancy counter" --json > "$work/a.json" || fail "search --json"
python3 - "$work/a.json" <<'PY' || fail "search --json schema"
import json, sys
j = json.load(open(sys.argv[1]))
assert set(j) == {"query", "results"}, j.keys()
assert j["query"] == "fifo occupancy counter"
r = j["results"]
assert 0 < len(r) <= 10, len(r)
for h in r:
    assert set(h) == {"file", "start_line", "end_line", "unit", "kind", "score", "channels",
                      "snippet"}, h.keys()
    assert not h["file"].startswith("/") and h["file"].startswith("sv/"), h
    assert 1 <= h["start_line"] <= h["end_line"], h
    assert h["kind"] in ("signature", "process", "assigns", "instance", "subprogram",
                         "declarations", "generate", "other"), h
    assert h["channels"] and set(h["channels"]) <= {"lexical", "vector", "symbol", "graph"}, h
    assert isinstance(h["score"], float) and h["score"] > 0, h
    assert isinstance(h["snippet"], str) and "\n" not in h["snippet"], h
scores = [h["score"] for h in r]
assert scores == sorted(scores, reverse=True), scores
per_file = {}
for h in r:
    per_file[h["file"]] = per_file.get(h["file"], 0) + 1
assert max(per_file.values()) <= 2, per_file
# words: the FIFO answers it (legacy_counter may rank first: it says "counter" literally)
assert "sv/fifo.sv" in [h["file"] for h in r[:2]], r[:2]
PY
ok

# --- identifiers: an instance name finds the instance and, through the graph, fifo's header --
"$bin" search -C "$ws" "u_named" --json --top 5 > "$work/b.json" || fail "search u_named"
python3 - "$work/b.json" <<'PY' || fail "identifier search"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert r[0]["file"] == "sv/top.sv" and "symbol" in r[0]["channels"], r[0]
assert any(h["file"] == "sv/fifo.sv" and "graph" in h["channels"] for h in r), r
PY
ok
"$bin" search -C "$ws" "fifo" --kind signature --json > "$work/c.json" || fail "--kind"
python3 - "$work/c.json" <<'PY' || fail "--kind signature"
import json, sys
r = json.load(open(sys.argv[1]))["results"]
assert r and all(h["kind"] == "signature" for h in r), r
assert r[0]["file"] == "sv/fifo.sv" and r[0]["unit"] == "fifo", r[0]
PY
ok
"$bin" search -C "$ws" "clk" --path "top.sv" --json > "$work/d.json" || fail "--path"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; assert r and all(h["file"]=="sv/top.sv" for h in r), r' "$work/d.json" || fail "--path top.sv"; ok

# --- text output ----------------------------------------------------------------------------
out=$("$bin" search -C "$ws" "fifo occupancy counter" --top 3)
echo "$out" | head -n 1 | grep -Eq '^sv/[^:]+:[0-9]+-[0-9]+: [a-z]+ [^ ]+ \[[a-z,]+\] [0-9.]+$' \
  || fail "text line: $out"; ok
[ "$(echo "$out" | grep -c '^    ')" -ge 1 ] || fail "snippet lines: $out"; ok

# --- bad input: exit 2 and a message; nothing found: exit 1 ----------------------------------
for q in "" "?!(){}" ; do
  set +e; "$bin" search -C "$ws" "$q" > /dev/null 2> "$work/err"; rc=$?; set -e
  [ $rc -eq 2 ] && grep -q "no word" "$work/err" || fail "query '$q': rc $rc $(cat "$work/err")"; ok
done
big=$(head -c 5000 /dev/zero | tr '\0' a)
set +e; "$bin" search -C "$ws" "$big" > /dev/null 2> "$work/err"; rc=$?; set -e
[ $rc -eq 2 ] && grep -q "at most" "$work/err" || fail "huge query: rc $rc"; ok
set +e; "$bin" search -C "$ws" clk --kind bogus > /dev/null 2> "$work/err"; rc=$?; set -e
[ $rc -eq 2 ] && grep -q "unknown kind" "$work/err" || fail "--kind bogus: rc $rc"; ok
set +e; "$bin" search -C "$ws" clk --top 0 > /dev/null 2>&1; rc=$?; set -e
[ $rc -eq 2 ] || fail "--top 0: rc $rc"; ok
set +e; "$bin" search -C "$ws" "qqqzzzxxyy" > /dev/null 2>&1; rc=$?; set -e
[ $rc -eq 1 ] || fail "nothing found: rc $rc"; ok
set +e; "$bin" search -C "$work/nowhere" clk > /dev/null 2>&1; rc=$?; set -e
[ $rc -ne 0 ] || fail "no index: rc $rc"; ok

echo "search.sh: $checks checks passed"
