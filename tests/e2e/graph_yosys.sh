#!/usr/bin/env bash
# End-to-end: instance hierarchies of real Verilog no one here wrote (Debian's yosys package,
# /usr/share/yosys) against yosys itself. Every top rtlassist finds there that instantiates at
# least one ordinary module is elaborated with `yosys -p 'read_verilog FILES; hierarchy -top T'`
# (FILES: the files defining the units of our tree); where yosys elaborates it, the set of
# modules it reports used must equal the set of units in our tree.
# Expected differences, not counted as mismatches:
#  - yosys internal cells (names starting with $, e.g. \$pos, \$lcu) are cells to yosys, not
#    modules, even when a techmap file defines a module of that name; we bind them to that
#    module. They are left out of both sides.
#  - Listed below in `explained` (top, unit, why):
#    FTCP, FTCP_N (coolrunner2/tff_extract.v) write `$_DFFSR_PPP_ dff (...)`: a name starting with
#      $ is no SystemVerilog identifier, and the tree-sitter grammar reads the instance's type as
#      `dff`, which then binds to an unrelated module dff (quicklogic/pp3_cells_sim.v).
#    __MISTRAL_M20K_SDP instantiates altsyncram, defined as a (* blackbox *) module in
#      intel/common/m9k_bb.v; yosys does not list blackbox modules as used, we bind it.
#  - tops yosys cannot elaborate (errors, e.g. a module defined twice across the files) are
#    skipped and counted.
# Skips (exit 0 with a note) when yosys is absent.
# Usage: graph_yosys.sh RTLASSIST SOURCE_DIR
set -euo pipefail
bin=$1
command -v yosys > /dev/null || { echo "SKIP: yosys is not installed"; exit 0; }
[ -d /usr/share/yosys ] || { echo "SKIP: /usr/share/yosys is absent"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME=$work/xdg
ws=$work/ws
mkdir -p "$ws"
(cd /usr/share/yosys && find . -name "*.v" | tar cf - -T -) | tar xf - -C "$ws"
"$bin" index -C "$ws" > /dev/null
"$bin" hierarchy -C "$ws" --json > "$work/h.json"
python3 - "$work/h.json" "$ws" <<'PY'
import json, re, subprocess, sys
j = json.load(open(sys.argv[1]))
ws = sys.argv[2]
def internal(name):
    return name.lstrip("\\").startswith("$")
def units(n, out, files):
    for c in n["children"]:
        if c.get("unit") and not internal(c["unit"]):
            out.add(c["unit"].lstrip("\\"))
        if c.get("definition"):
            files.add(c["definition"]["file"])
        units(c, out, files)
explained = {
    ("FTCP", "dff"): "a $-named cell type misread by the grammar",
    ("FTCP_N", "dff"): "a $-named cell type misread by the grammar",
    ("__MISTRAL_M20K_SDP", "altsyncram"): "a blackbox module: yosys does not list it",
}
compared = skipped = 0
notes = []
mismatches = []
for t in j["tops"]:
    ours, files = set(), {t["location"]["file"]}
    units(t, ours, files)
    if not ours or internal(t["name"]) or not t["location"]["file"].endswith(".v"):
        continue
    top = t["name"].lstrip("\\")
    script = "read_verilog %s; hierarchy -top %s" % (" ".join(sorted(files)), top)
    try:
        r = subprocess.run(["yosys", "-q", "-p", script.replace("-q", ""), "-l", "/dev/stdout"],
                           cwd=ws, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        skipped += 1
        continue
    if r.returncode != 0:
        skipped += 1
        continue
    used = set()
    for line in r.stdout.splitlines():
        m = re.match(r"\s*Used module:\s+\\?(\S+)", line)
        if m:
            name = m.group(1)
            pm = re.match(r"\$paramod\$[0-9a-f]+\\(\S+)|\$paramod\\([^\\]+)\\", name)
            if pm:
                name = pm.group(1) or pm.group(2)
            if not internal(name):
                used.add(name)
    compared += 1
    for u in sorted(ours ^ used):
        if (top, u) in explained:
            notes.append("  explained: %s / %s: %s" % (top, u, explained[(top, u)]))
            ours.discard(u)
            used.discard(u)
    if used != ours:
        mismatches.append((top, sorted(files), sorted(ours - used), sorted(used - ours)))
print("yosys comparison: %d tops compared, %d not elaborated by yosys, %d mismatches"
      % (compared, skipped, len(mismatches)))
print("\n".join(notes))
for m in mismatches:
    print("  MISMATCH %s (%s): only ours %s, only yosys %s" % m)
assert compared >= 5, "too few designs compared"
sys.exit(1 if mismatches else 0)
PY
