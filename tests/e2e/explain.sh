#!/usr/bin/env bash
# End-to-end: `rtlassist explain` over tests/fixtures/explain: the text golden (same as the unit
# test's), JSON shape, unknown and ambiguous names, and prose from the loopback model server
# (tests/tools/model_server.py): the request holds the structure and the numbered code, the
# streamed pieces are printed (CLI) or sent as $/progress deltas (LSP, lsp_explain.py), a
# failing or slow model gives the structure plus a clear error.
# Usage: explain.sh RTLASSIST SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
fx=$src/tests/fixtures/explain
work=$(mktemp -d)
srv_pid=
cleanup() { [ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
export XDG_CONFIG_HOME=$work/xdg

ws=$work/ws
mkdir -p "$ws/other"
cp "$fx"/*.sv "$fx"/*.vhd "$ws/"
printf '// another sync2\nmodule sync2 (input logic d, output logic q); assign q = d; endmodule\n' \
	> "$ws/other/sync2_copy.sv"
"$bin" index -C "$ws" > /dev/null

# --- text and JSON without a model -----------------------------------------------------------
for u in uart_tx traffic; do
	"$bin" explain "$u" -C "$ws" --no-model > "$work/$u.txt"
	diff -u "$fx/$u.golden" "$work/$u.txt" || fail "explain $u differs from golden"
done
"$bin" explain cdc_top -C "$ws" --json > "$work/cdc.json"
python3 - "$work/cdc.json" <<'PY' || fail "explain --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["name"] == "cdc_top" and j["language"] == "systemverilog", j["name"]
assert set(j["location"]) == {"file", "line", "column", "end_line", "end_column"}
clocks = {c["name"]: c for c in j["clocks"]}
assert set(clocks) == {"clk_a", "clk_b"}, clocks
assert clocks["clk_a"]["inputs"] == ["a_data", "a_valid"], clocks["clk_a"]
assert clocks["clk_b"]["outputs"] == ["b_data", "b_valid"], clocks["clk_b"]
ports = {p["name"]: p for p in j["ports"]}
assert ports["clk_a"]["role"] == "clock" and ports["rst_n"]["role"] == "reset"
assert ports["a_data"]["clocks"] == ["clk_a"] and ports["a_data"]["width"] == "8 bits"
flow = {f["output"]: f for f in j["dataflow"]}
assert flow["b_data"]["inputs"] == ["a_data", "a_valid"], flow["b_data"]
assert flow["b_data"]["submodules"] == ["u_sync"], flow["b_data"]
sub = j["submodules"][0]
assert sub["instance"] == "u_sync" and "Two-flop synchronizer" in sub["summary"], sub
assert j["stateMachines"] == [] and "prose" not in j
PY

# --- unknown and ambiguous names ---------------------------------------------------------------
if "$bin" explain no_such_unit -C "$ws" --no-model > /dev/null 2> "$work/err"; then
	fail "unknown unit exits 0"
fi
grep -q "no_such_unit" "$work/err" || fail "unknown unit message: $(cat "$work/err")"
"$bin" explain sync2 -C "$ws" --no-model > "$work/amb.txt" 2> "$work/amb.err"
grep -q "ambiguous" "$work/amb.err" || fail "ambiguous name not reported"
grep -q "also defined at" "$work/amb.txt" || fail "ambiguous name: other definitions not listed"
"$bin" explain sync2 -C "$ws" --no-model --json 2> /dev/null | python3 -c '
import json, sys; j = json.load(sys.stdin); assert len(j["ambiguous"]) == 1, j["ambiguous"]' \
	|| fail "ambiguous in JSON"

# --- prose from the model server --------------------------------------------------------------
python3 "$src/tests/tools/model_server.py" --port 0 --log "$work/req.log" --slow 30 \
	> "$work/port" 2> "$work/srv.err" &
srv_pid=$!
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port")
[ -n "$port" ] || fail "model server did not start"
model() { # URL-SUFFIX
	printf '[chat]\nprovider = "ollama"\nurl = "http://127.0.0.1:%s%s"\nmodel = "m"\nretries = 0\ntimeout_ms = 3000\n' \
		"$port" "$1" > "$ws/.rtlassist.toml"
}
model ""
"$bin" explain uart_tx -C "$ws" > "$work/prose.txt"
head -n "$(wc -l < "$fx/uart_tx.golden")" "$work/prose.txt" | diff -u "$fx/uart_tx.golden" - \
	|| fail "the structure does not come first"
grep -q "^explanation (" "$work/prose.txt" || fail "no explanation header"
grep -q "^echo: Explain this unit." "$work/prose.txt" || fail "streamed prose not printed"
python3 - "$work/req.log" <<'PY' || fail "request body"
import json, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
assert r["path"] == "/api/chat", r["path"]
msgs = r["body"]["messages"]
assert [m["role"] for m in msgs] == ["system", "user"]
assert "file:line" in msgs[0]["content"]
u = msgs[1]["content"]
assert "state machines:" in u and "IDLE -> START" in u, u[:400]
assert "uart_tx.sv:" in u and "|     unique case (state_q)" in u, u
PY
"$bin" explain uart_tx -C "$ws" --json > "$work/prose.json"
python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert j["prose"].startswith("echo: Explain this unit."), j["prose"]
assert len(j["stateMachines"]) == 1' "$work/prose.json" || fail "prose in JSON"

python3 "$src/tests/e2e/lsp_explain.py" "$bin" "$ws" ok || fail "LSP explain with prose"

model "/_b/500always"
python3 "$src/tests/e2e/lsp_explain.py" "$bin" "$ws" fail || fail "LSP explain, failing model"
set +e
"$bin" explain uart_tx -C "$ws" --json > "$work/fail.json" 2> "$work/fail.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "a failing model exits $rc, not 3"
python3 -c '
import json, sys; j = json.load(open(sys.argv[1]))
assert "500" in j["prose_error"] and "prose" not in j and j["ports"]' "$work/fail.json" \
	|| fail "failing model: structure plus prose_error"

model "/_b/slow"
start=$(date +%s)
set +e
"$bin" explain traffic -C "$ws" > "$work/slow.txt" 2> "$work/slow.err"
rc=$?
set -e
[ "$rc" = 3 ] || fail "a slow model exits $rc, not 3"
[ $(( $(date +%s) - start )) -lt 20 ] || fail "a slow model hangs explain"
grep -q "state machines:" "$work/slow.txt" || fail "slow model: no structure"
rm -f "$ws/.rtlassist.toml"
python3 "$src/tests/e2e/lsp_explain.py" "$bin" "$ws" none || fail "LSP explain without a model"
echo "explain e2e: ok"
