#!/usr/bin/env bash
# End-to-end: the real rtlassist binary over a git workspace made from the test fixtures.
# JSON schemas, exit codes, the writer lock, bad settings, and SIGKILL during indexing: after
# every kill the database passes PRAGMA integrity_check and the next run converges to the index
# a clean run produces.
# Usage: cli_index.sh RTLASSIST SOURCE_DIR
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
[ -d "$src/tests/fixtures/vhdl" ] && cp -r "$src/tests/fixtures/vhdl" "$ws/vhdl"
rm -f "$ws"/*/*.golden
git -C "$ws" init -q
git -C "$ws" add -A
export XDG_CONFIG_HOME=$work/xdg   # no user settings leak in

# --- a first index, then nothing to do -------------------------------------------------
out=$("$bin" index -C "$ws")
echo "$out" | grep -Eq '^indexed [0-9]+ files \([0-9]+ parsed' || fail "summary line: $out"; ok
out=$("$bin" index -C "$ws" --json)
python3 - "$out" <<'PY' || fail "second run parsed something: $out"
import json, sys
j = json.loads(sys.argv[1])
assert j["parsed"] == 0 and j["unchanged"] == j["files"] > 0, j
PY
ok
[ -f "$ws/.rtlassist/.gitignore" ] || fail "state dir has no .gitignore"; ok
[ -z "$(git -C "$ws" status --porcelain --untracked-files=all | grep rtlassist || true)" ] \
  || fail "git status shows the state dir"; ok

# --- units / find / refs / stats JSON --------------------------------------------------
"$bin" units -C "$ws" --json > "$work/units.json"
python3 - "$work/units.json" <<'PY' || fail "units --json"
import json, sys
units = json.load(open(sys.argv[1]))["units"]
assert units, "no units"
for u in units:
    loc = u["location"]
    assert set(loc) == {"file", "line", "column", "end_line", "end_column"}, loc
    assert loc["line"] >= 1 and loc["column"] >= 1 and not loc["file"].startswith("/"), loc
    assert u["kind"] in ("module", "interface", "program", "package", "class", "checker",
                         "primitive", "config", "entity", "architecture", "package_body",
                         "configuration", "context"), u
kinds = {u["kind"] for u in units}
assert {"module", "interface", "package"} <= kinds, kinds
PY
ok
first=$(python3 -c 'import json,sys; print([u["name"] for u in json.load(open(sys.argv[1]))["units"] if u["kind"]=="module"][0])' "$work/units.json")
"$bin" find -C "$ws" "$first" --kind module --json > "$work/find.json" || fail "find $first"
python3 - "$work/find.json" "$first" <<'PY' || fail "find --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["name"] == sys.argv[2] and j["definitions"], j
d = j["definitions"][0]
assert d["kind"] == "module" and d["name"] == sys.argv[2] and "extent" in d, d
PY
ok
if "$bin" find -C "$ws" no_such_name_anywhere >/dev/null 2>&1; then fail "find of nothing exits 0"; fi; ok
"$bin" find -C "$ws" clk --refs --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["references"], j
assert all(r["location"]["line"] >= 1 for r in j["references"])' || fail "refs of clk"; ok
"$bin" stats -C "$ws" --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["files"] > 0 and j["units"] > 0 and j["symbols"] > j["units"], j
assert j["index_bytes"] > 0 and j["last_index_time"] > 0, j' || fail "stats --json"; ok
if "$bin" find -C "$ws" x --kind nonsense 2>"$work/err"; then fail "bad --kind accepted"; fi
grep -q "unknown kind" "$work/err" || fail "bad --kind message"; ok
if "$bin" units -C "$work/nowhere" 2>/dev/null; then fail "missing workspace accepted"; fi; ok

# --- an unindexed workspace is reported, not created ------------------------------------
mkdir -p "$work/empty"
if "$bin" units -C "$work/empty" 2>"$work/err"; then fail "units on an unindexed workspace"; fi
grep -q "rtlassist index" "$work/err" || fail "unindexed message: $(cat "$work/err")"; ok
[ ! -e "$work/empty/.rtlassist" ] || fail "a query created state"; ok

# --- settings: unknown key warns, bad value fails naming the key --------------------------
printf '[index]\ncolour = 1\n' > "$ws/.rtlassist.toml"
"$bin" index -C "$ws" 2>"$work/err" >/dev/null || fail "unknown key is fatal"
grep -q "unknown setting 'index.colour'" "$work/err" || fail "no warning for unknown key"; ok
printf '[index]\nthreads = lots\n' > "$ws/.rtlassist.toml"
if "$bin" index -C "$ws" 2>"$work/err" >/dev/null; then fail "bad value accepted"; fi
grep -q "index.threads" "$work/err" || fail "bad value message: $(cat "$work/err")"; ok
rm "$ws/.rtlassist.toml"

# --- the writer lock: a second indexer is refused while the first holds it --------------
exec 9>"$ws/.rtlassist/lock"
flock -x 9
if "$bin" index -C "$ws" 2>"$work/err" >/dev/null; then fail "second writer allowed"; fi
grep -q "is writing this index" "$work/err" || fail "lock message: $(cat "$work/err")"; ok
flock -u 9
exec 9>&-

# --- SIGKILL at random moments, on a workspace big enough to be caught mid-run -----------
big=$work/big
mkdir -p "$big"
for i in $(seq 1 30); do cp -r "$ws/sv" "$big/copy$i"; done
if [ -d /usr/share/yosys ]; then cp -r /usr/share/yosys "$big/yosys"; fi
"$bin" index -C "$big" >/dev/null    # the clean reference
python3 - "$big/.rtlassist/index.db" > "$work/clean.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("select path, blob from files order by path"): print(*row)
print(db.execute("select count(*) from symbols").fetchone()[0])
PY
rm -rf "$big/.rtlassist"
kills=0
for delay in 0.05 0.1 0.2 0.3 0.5 0.7 0.05 0.15; do
  "$bin" index -C "$big" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -9 "$pid" 2>/dev/null; then kills=$((kills + 1)); fi
  wait "$pid" 2>/dev/null || true
  python3 - "$big/.rtlassist/index.db" <<'PY' || fail "integrity after kill at ${delay}s"
import os, sqlite3, sys
if os.path.exists(sys.argv[1]):
    db = sqlite3.connect(sys.argv[1])
    r = db.execute("pragma integrity_check").fetchone()[0]
    assert r == "ok", r
PY
  # touch a few files between kills, as an editor would
  touch "$big/copy1/"*.sv
done
"$bin" index -C "$big" >/dev/null
python3 - "$big/.rtlassist/index.db" > "$work/after.txt" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute("select path, blob from files order by path"): print(*row)
print(db.execute("select count(*) from symbols").fetchone()[0])
PY
diff -q "$work/clean.txt" "$work/after.txt" >/dev/null || fail "after $kills kills the index differs from a clean one"
ok
[ "$kills" -gt 0 ] || fail "no run was ever killed mid-way"; ok

echo "$checks passed, 0 failed"
