#!/usr/bin/env bash
# End-to-end: `hierarchy`, `trace` and `graph` of the real binary over tests/fixtures/graph:
# golden instance trees (SystemVerilog, VHDL, mixed), JSON shapes, a driver three levels down,
# recursion, unresolved instances, bad input, Graphviz output, a 50-instance picture, and the
# graph following incremental re-indexing.
# Usage: graph.sh RTLASSIST SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
fx=$src/tests/fixtures/graph
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
checks=0
ok() { checks=$((checks + 1)); }
export XDG_CONFIG_HOME=$work/xdg

ws=$work/ws
mkdir -p "$ws"
cp -r "$fx/sv" "$fx/vhdl" "$fx/mixed" "$ws/"
"$bin" index -C "$ws" > /dev/null

# --- golden trees ------------------------------------------------------------------------
"$bin" hierarchy -C "$ws" > "$work/h.txt"
diff -u "$fx/hierarchy.golden" "$work/h.txt" || fail "hierarchy differs from golden"; ok
"$bin" hierarchy rec_a -C "$ws" > "$work/r.txt"
diff -u "$fx/hierarchy_rec_a.golden" "$work/r.txt" || fail "recursion differs from golden"; ok

# --- JSON --------------------------------------------------------------------------------
"$bin" hierarchy -C "$ws" --json > "$work/h.json"
python3 - "$work/h.json" <<'PY' || fail "hierarchy --json"
import json, sys
j = json.load(open(sys.argv[1]))
tops = {t["name"]: t for t in j["tops"]}
assert set(tops) == {"tb_chip", "vtop", "mixed_top"}, sorted(tops)
assert tops["tb_chip"]["testbench"] is True and tops["vtop"]["testbench"] is False
def walk(n, out):
    loc = n["location"]
    assert set(loc) == {"file", "line", "column", "end_line", "end_column"}, loc
    assert loc["line"] >= 1 and not loc["file"].startswith("/")
    out[n["path"]] = n
    for c in n["children"]:
        walk(c, out)
    return out
nodes = {}
for t in j["tops"]:
    walk(t, nodes)
reg = nodes["tb_chip.dut.u_mid.u_core.u_reg"]
assert reg["unit"] == "leaf_reg" and reg["how"] == "module", reg
assert reg["parameters"] == [{"position": 0, "formal": "W", "actual": "W"}], reg
assert nodes["tb_chip.dut.g_ch.u_flag"]["scope"] == "g_ch"
assert nodes["tb_chip.dut.intf"]["kind"] == "interface"
# mixed language both ways, VHDL binding kinds, architectures
assert nodes["mixed_top.u_vhdl"]["unit"] == "VMid" and nodes["mixed_top.u_vhdl"]["how"] == "mixed"
assert nodes["mixed_top.u_wrap.u_reg"]["language"] == "systemverilog"
assert nodes["mixed_top.u_wrap.u_reg"]["how"] == "component"
assert nodes["vtop.u_mid.U_Leaf"]["architecture"] == "beh"
assert nodes["vtop.u_cfg"]["how"] == "configuration" and nodes["vtop.u_cfg"]["unit"] == "vleaf"
assert nodes["vtop.gen_bits.u_bit"]["how"] == "entity"
un = [u["type"] for u in j["unresolved"]]
assert un == ["missing_block"], un
PY
ok

# --- trace: dout of chip_top is driven three levels down ----------------------------------
"$bin" trace dout --unit chip_top --drivers --depth 3 -C "$ws" --json > "$work/t.json"
python3 - "$work/t.json" <<'PY' || fail "trace --json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["direction"] == "drivers" and j["unit"] == "chip_top", j
hit = [h for h in j["hits"] if h["where"] == "u_mid.u_core.u_reg" and h["signal"] == "q"]
assert hit, [(h["signal"], h["where"]) for h in j["hits"]]
path = hit[0]["path"]
assert [p["to"] for p in path] == ["dout", "q", "q"], path
assert [p["location"]["file"] for p in path] == ["sv/chip_top.sv", "sv/mid.sv", "sv/core.sv"]
assert path[0]["location"]["line"] == 18 and path[1]["location"]["line"] == 16, path
PY
ok
out=$("$bin" trace q --unit leaf_reg --loads --depth 1 -C "$ws")
echo "$out" | grep -q '\^core' || fail "loads of leaf_reg.q go up to core: $out"; ok

# flows, once the SystemVerilog front end emits them: the register's data, clock and reset
if [ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from flows").fetchone()[0])' "$ws/.rtlassist/index.db")" != 0 ]; then
  "$bin" trace dout --unit chip_top --drivers --depth 0 -C "$ws" --json > "$work/t0.json"
  python3 - "$work/t0.json" <<'PY' || fail "transitive trace through the register"
import json, sys
j = json.load(open(sys.argv[1]))
got = {(h["signal"], h["where"]) for h in j["hits"]}
assert ("din", "") in got, sorted(got)            # the data path back to chip_top's input
kinds = {p["kind"] for h in j["hits"] for p in h["path"]}
assert {"port", "data", "clock"} <= kinds, kinds
PY
  ok
  "$bin" trace --unit leaf_reg --domains -C "$ws" | grep -q 'clock clk' || fail "domains"; ok
else
  echo "note: no flows in the store yet (front ends); flow checks not run"
fi

# --- bad input ---------------------------------------------------------------------------
set +e
"$bin" hierarchy nosuch -C "$ws" > /dev/null 2> "$work/e1"; r1=$?
"$bin" trace nosig --unit chip_top --drivers -C "$ws" > /dev/null 2> "$work/e2"; r2=$?
"$bin" trace dout --unit nounit --loads -C "$ws" > /dev/null 2> "$work/e3"; r3=$?
"$bin" trace dout --unit chip_top -C "$ws" > /dev/null 2>&1; r4=$?
"$bin" graph chip_top --format png -C "$ws" > /dev/null 2>&1; r5=$?
"$bin" hierarchy --depth x -C "$ws" > /dev/null 2>&1; r6=$?
set -e
[ $r1 = 1 ] && grep -q "no module, interface, entity or configuration named 'nosuch'" "$work/e1" \
  || fail "unknown top: $r1 $(cat "$work/e1")"; ok
[ $r2 = 1 ] && grep -q "no signal 'nosig' in module chip_top" "$work/e2" || fail "unknown signal"; ok
[ $r3 = 1 ] && grep -q "nounit" "$work/e3" || fail "unknown unit"; ok
[ $r4 = 2 ] && [ $r5 = 2 ] && [ $r6 = 2 ] || fail "usage errors: $r4 $r5 $r6"; ok

# --- pictures ----------------------------------------------------------------------------
"$bin" graph chip_top --format dot --depth 3 -C "$ws" > "$work/g.dot"
grep -q 'subgraph cluster_' "$work/g.dot" && grep -q 'g_ch' "$work/g.dot" || fail "generate cluster"; ok
grep -q 'color="red"' "$work/g.dot" || fail "unresolved instance not marked"; ok
"$bin" graph mid --dataflow --format dot -C "$ws" > "$work/d.dot"
grep -q '"inst:u_core"' "$work/d.dot" || fail "dataflow picture lacks the instance"; ok
if command -v dot > /dev/null; then
  "$bin" graph chip_top --format svg --depth 3 -o "$work/g.svg" -C "$ws"
  grep -q '<svg' "$work/g.svg" || fail "svg"; ok
  dot -Tsvg "$work/d.dot" -o /dev/null || fail "dataflow dot does not render"; ok
  # a unit with 50 instances stays a readable picture: one column, not a 50-wide row
  { echo "module wide(input logic clk, input logic [49:0] a, output logic [49:0] y);"
    for i in $(seq 0 49); do echo "  leaf_reg #(.W(1)) u_r$i (.clk(clk), .rst_n(1'b1), .d(a[$i]), .q(y[$i]));"; done
    echo "endmodule"; } > "$ws/sv/wide.sv"
  "$bin" index -C "$ws" > /dev/null
  "$bin" graph wide --format svg -o "$work/w.svg" -C "$ws"
  python3 - "$work/w.svg" <<'PY' || fail "50-instance picture"
import re, sys
s = open(sys.argv[1]).read()
w, h = (float(x) for x in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', s).groups())
assert s.count('class="node"') == 51, s.count('class="node"')
assert w < 600 and h < 2200, (w, h)   # a column of readable boxes
PY
  ok
else
  echo "note: Graphviz dot is not installed; svg checks not run"
fi

# --- incremental: the graph follows edits ------------------------------------------------
cat > "$ws/sv/missing_block.sv" <<'V'
module missing_block (input logic a);
endmodule
V
sed -i 's/leaf_reg #(.W(W)) u_reg (.\*);/mid_sub u_sub ();/' "$ws/sv/core.sv"
echo 'module mid_sub; endmodule' > "$ws/sv/mid_sub.sv"
"$bin" index -C "$ws" > /dev/null
"$bin" hierarchy chip_top -C "$ws" > "$work/h2.txt"
grep -q 'g_wide.u_missing : missing_block$' "$work/h2.txt" || fail "new unit not bound: $(cat "$work/h2.txt")"; ok
grep -q 'u_sub : mid_sub' "$work/h2.txt" && ! grep -q 'u_reg' "$work/h2.txt" \
  || fail "edited core not followed: $(cat "$work/h2.txt")"; ok
[ -z "$("$bin" hierarchy -C "$ws" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["unresolved"] or "")')" ] \
  || fail "unresolved list not updated"; ok
rm "$ws/sv/missing_block.sv"
"$bin" index -C "$ws" > /dev/null
"$bin" hierarchy chip_top -C "$ws" | grep -q 'u_missing : missing_block  \[unresolved\]' \
  || fail "deleted unit still bound"; ok

echo "graph e2e: $checks checks passed"
