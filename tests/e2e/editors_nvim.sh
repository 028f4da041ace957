#!/usr/bin/env bash
# End-to-end test of the Neovim client (editors/nvim): headless Neovim (0.7, Debian) loads the
# plugin, opens the fixture design and runs :RtlSearch, :RtlExplain, :RtlTrace[!] and
# :RtlHierarchy against the real `rtlassist lsp` (editors_nvim.lua); what they showed is checked
# here. Skips cleanly when nvim is not installed.
# Usage: editors_nvim.sh RTLASSIST SOURCE_DIR
set -euo pipefail
bin=$1
src=$(cd "$2" && pwd)
. "$(dirname "$0")/nvim_ws.bash"
export RA_SRC=$src
# open files below the workspace as its own subfolder would (root detection starts there)
cd "$ws/sv"
timeout 180 nvim --headless --clean -n -u NONE -c "luafile $src/tests/e2e/editors_nvim.lua" \
  >"$work/nvim.log" 2>&1 || { cat "$work/nvim.log"; echo "FAIL: nvim"; exit 1; }
[ -s "$work/out.json" ] || { cat "$work/nvim.log"; echo "FAIL: no results"; exit 1; }
python3 - "$work/out.json" "$ws" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ws = sys.argv[2]
n = 0
def check(cond, what):
    global n
    if not cond:
        sys.exit("FAIL: %s: %s" % (what, json.dumps(r)[:3000]))
    n += 1
check(not r["errors"], "errors")
check(r["filetype"] == "systemverilog", "filetype")
check(r["initialized"] and r["indexed"], "server started by setup and indexed")
check(r["root"] == ws, "root detection (.git above the file)")

s = r["search"]
check(s["title"] == "RtlSearch fifo count" and len(s["items"]) >= 2, "search: quickfix list")
check(any(i["file"] == ws + "/sv/fifo.sv" and i["lnum"] == 16 and "count" in i["text"]
          for i in s["items"]), "search: the count declaration with its line")

e = r["explain"]
check(e[0] == "# module fifo" and "*systemverilog*" in e, "explain: title")
check("> fifo.sv - a parameterised synchronous FIFO." in e, "explain: comment")
check("## Ports (8)" in e and any(l.startswith("| clk | input | logic |") for l in e),
      "explain: ports table")
check("| top | u_named | sv/top.sv:27 |" in e or "| u_named | top | sv/top.sv:27 |" in e,
      "explain: instantiated by, with place")
check(r["explain_float"] == "editor", "explain: floating window")
check(r["explain_cursor"][0] == "# module top", "explain: unit under the cursor")

d = r["drivers"]
check(d["title"] == "RtlTrace drivers top.push" and len(d["items"]) == 1, "trace drivers")
check(d["items"][0]["file"] == ws + "/sv/top.sv" and d["items"][0]["lnum"] == 60
      and d["items"][0]["text"] == "din  din -> push (data call)", "trace drivers: hit with its path")
l = r["loads"]
check(l["title"] == "RtlTrace loads top.push", "trace loads: title")
where = sorted(i["text"].split(":")[0] for i in l["items"])
check(where == ["g_lane.u_lane", "g_wide.u_extra", "u_dot", "u_named", "u_pos"], "trace loads: paths")
check(any("push -> u_named.push (port input)" in i["text"] and i["lnum"] == 31
          for i in l["items"]), "trace loads: hop and line")

h = r["hierarchy"]
check(h[0] == "top" and "├─ u_named: fifo" in h and any(x.endswith("u_lane: fifo") for x in h),
      "hierarchy: tree")
check(r["jump"]["file"] == ws + "/sv/top.sv" and r["jump"]["cursor"] == [39, 12],
      "hierarchy: <CR> jumps to the instance")

g = r["generic"]
check("## State machines (1)" in g and any("IDLE, RUN" in x for x in g)
      and any("From: IDLE" in x for x in g) and "Transitions:" in "\n".join(g), "generic explain: nested fields")
check("## Clock domains (1)" in g and "| clk | 3 |" in g and "It controls things." in g,
      "generic explain: table and prose")
print("%d passed, 0 failed" % n)
PY
