#!/usr/bin/env bash
# End-to-end with a real client: headless Neovim (0.7, Debian) and its built-in LSP client drive
# `rtlassist lsp` on the fixture design (lsp_nvim.lua); the results file is checked here.
# Skips cleanly when nvim is not installed.
# Usage: lsp_nvim.sh RTLASSIST SOURCE_DIR
set -euo pipefail
bin=$1
src=$2
. "$(dirname "$0")/nvim_ws.bash"
timeout 180 nvim --headless --clean -n -u NONE -c "luafile $(dirname "$0")/lsp_nvim.lua" \
  >"$work/nvim.log" 2>&1 || { cat "$work/nvim.log"; echo "FAIL: nvim"; exit 1; }
[ -s "$work/out.json" ] || { cat "$work/nvim.log"; echo "FAIL: no results"; exit 1; }
python3 - "$work/out.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = 0
def check(cond, what):
    global n
    if not cond:
        sys.exit("FAIL: %s: %s" % (what, json.dumps(r)[:2000]))
    n += 1
check(not r["errors"], "errors")
check(r["initialized"] and r["indexed"], "initialized and indexed")
d = r["definition"]
check(len(d) == 1 and d[0]["uri"].endswith("/sv/fifo.sv")
      and d[0]["range"]["start"] == {"line": 1, "character": 7}, "definition")
h = r["hover"]["contents"]["value"]
check("module fifo #(" in h and "input logic clk," in h, "hover")
refs = sorted((x["range"]["start"]["line"], x["range"]["start"]["character"])
              for x in r["references"])
check(refs == [(13, 32), (23, 28), (27, 13), (38, 19), (41, 15), (48, 35)], "references")
items = r["completion"]["items"] if isinstance(r["completion"], dict) else r["completion"]
labels = [i["label"] for i in items]
check(labels[:2] == ["rst_n", "din"] and "clk" not in labels, "completion")
f = r["fresh"]
check(len(f) == 1 and f[0]["range"]["start"] == {"line": 61, "character": 8}, "unsaved buffer")
print("%d passed, 0 failed" % n)
PY
