#!/usr/bin/env python3
"""lsp_folding.py - textDocument/foldingRange and textDocument/documentLink.

Folding: the exact ranges of tests/fixtures/folding/fold.sv and fold.vhd, with lineFoldingOnly
(closers stay visible) and without (endCharacter at the closer, in UTF-16 and UTF-8 columns, on a
line holding a non-ASCII character); rangeLimit keeping the outer ranges; and the invariants of
every reply (start < end, one range per start line, sorted, inside the file, endCharacter inside
its line) over every HDL fixture in tests/fixtures, a 150-deep generate nest, an open document
changed into broken code, and, when installed, Debian's yosys and ghdl HDL.
Links: each `include's quoted name links to the file the index resolved it to (relative, by a
unique name), an unresolvable one to nothing, includes typed into an open buffer (not yet
indexed) too; VHDL gives none.

Usage: lsp_folding.py RTLASSIST SOURCE_DIR"""
import json
import os
import random
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_client  # noqa: E402
from lsp_client import Client, LspError, check  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
FIX = os.path.join(SRC, "tests", "fixtures")
HDL = (".v", ".sv", ".svh", ".vh", ".vhd", ".vhdl")


def R(start, end, kind=None, char=None):
    r = {"startLine": start, "endLine": end}
    if char is not None:
        r["endCharacter"] = char
    if kind:
        r["kind"] = kind
    return r


# fold.sv with lineFoldingOnly: ranges stop before a closer that starts its line
SV_LINES = [R(0, 2, "comment"), R(5, 6, "comment"), R(7, 41), R(9, 12), R(15, 21), R(16, 20),
            R(17, 18), R(23, 26, "region"), R(24, 25), R(27, 29, "region"), R(31, 36),
            R(32, 35), R(33, 35), R(38, 40), R(43, 50), R(44, 45), R(48, 49)]
# without: they end at the closer's column (line 35 holds an é before its `)`)
SV_CHARS = [R(0, 2, "comment"), R(5, 6, "comment"), R(7, 42, None, 0), R(9, 13, None, 0),
            R(15, 22, None, 2), R(16, 21, None, 4), R(17, 19, None, 6),
            R(23, 27, "region", 0), R(24, 26, None, 2), R(27, 30, "region", 0),
            R(31, 37, None, 2), R(32, 36, None, 4), R(33, 35, None, 21), R(38, 41, None, 2),
            R(43, 51, None, 0), R(44, 46, None, 2), R(48, 50, None, 2)]
VHD_LINES = [R(0, 2, "comment"), R(5, 10), R(6, 7), R(8, 10), R(12, 33), R(13, 15), R(14, 15),
             R(19, 26), R(22, 24), R(28, 32), R(29, 32), R(30, 32)]


def check_invariants(ranges, data, what, lines_only):
    lines = data.split(b"\n")
    last = -1
    for r in ranges:
        check(set(r) <= {"startLine", "endLine", "endCharacter", "kind"} and
              {"startLine", "endLine"} <= set(r), "%s: keys %s" % (what, r))
        s, e = r["startLine"], r["endLine"]
        check(isinstance(s, int) and isinstance(e, int) and 0 <= s < e < len(lines),
              "%s: start < end inside the file: %s" % (what, r))
        check(s > last, "%s: sorted, one range per start line: %s after %d" % (what, r, last))
        last = s
        check(r.get("kind") in (None, "comment", "region"), "%s: kind %s" % (what, r))
        if "endCharacter" in r:
            check(not lines_only, "%s: endCharacter with lineFoldingOnly" % what)
            text = lines[e].decode("utf-8", "replace").rstrip("\r")
            units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
            check(0 <= r["endCharacter"] <= units, "%s: endCharacter in line: %s" % (what, r))


def hdl_files(root):
    for d, dirs, names in os.walk(root):
        dirs.sort()
        for n in sorted(names):
            if n.endswith(HDL):
                yield os.path.join(d, n)


work = tempfile.mkdtemp()
try:
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))
    ws = os.path.join(work, "ws")
    shutil.copytree(os.path.join(FIX, "folding"), ws)
    for sub in ("sv", "vhdl", "explain"):  # more fixtures, for the invariants
        shutil.copytree(os.path.join(FIX, sub), os.path.join(ws, "more", sub))
    nest = "module deep;\n"
    for i in range(150):
        nest += "  " * (i + 1) + "if (1) begin : g%d\n" % i
    nest += "  " * 151 + "logic leaf;\n"
    for i in reversed(range(150)):
        nest += "  " * (i + 1) + "end\n"
    with open(os.path.join(ws, "deep.sv"), "w") as f:
        f.write(nest + "endmodule\n")

    def uri(rel, root=ws):
        return "file://" + os.path.join(root, rel)

    def start(lines_only, utf8=False, limit=None, root=ws, no_index=False):
        argv = [BIN, "lsp", "--no-daemon", "-C", root] + (["--no-index"] if no_index else [])
        c = Client(argv, env=env)
        fr = {"lineFoldingOnly": lines_only}
        if limit is not None:
            fr["rangeLimit"] = limit
        caps = {"window": {"workDoneProgress": not no_index},
                "textDocument": {"foldingRange": fr}}
        if utf8:
            caps["general"] = {"positionEncodings": ["utf-8"]}
        init = c.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + root,
                                        "capabilities": caps})
        c.notify("initialized", {})
        check(init["capabilities"].get("foldingRangeProvider") is True, "foldingRangeProvider")
        check(init["capabilities"].get("documentLinkProvider") == {"resolveProvider": False},
              "documentLinkProvider: %s" % init["capabilities"].get("documentLinkProvider"))
        if not no_index:
            c.wait_indexed()
        return c

    def folds(c, rel, root=ws):
        return c.request("textDocument/foldingRange", {"textDocument": {"uri": uri(rel, root)}})

    def links(c, rel):
        return c.request("textDocument/documentLink", {"textDocument": {"uri": uri(rel)}})

    def read(rel, root=ws):
        with open(os.path.join(root, rel), "rb") as f:
            return f.read()

    # ---- lineFoldingOnly, UTF-16 -------------------------------------------------------------
    c = start(True)
    got = folds(c, "fold.sv")
    check(got == SV_LINES, "fold.sv lines only:\n%s" % json.dumps(got))
    got = folds(c, "fold.vhd")
    check(got == VHD_LINES, "fold.vhd lines only:\n%s" % json.dumps(got))
    total = nfiles = 0
    for path in hdl_files(ws):
        rel = os.path.relpath(path, ws)
        got = folds(c, rel)
        check_invariants(got, read(rel), rel, True)
        total += len(got)
        nfiles += 1
    check(nfiles > 20 and total > 3 * nfiles, "%d ranges over %d fixtures" % (total, nfiles))
    check(len(folds(c, "deep.sv")) == 151, "deep.sv: the module and 150 generate blocks")
    err = c.request_full("textDocument/foldingRange", {})
    check(err.get("error", {}).get("code") == -32602, "no textDocument: %s" % err)

    # an open buffer changed into broken code: still ranges, still valid
    text = read("fold.sv").decode()
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri("fold.sv"), "languageId": "systemverilog", "version": 1, "text": text}})
    broken = text.replace("    endcase\n", "\n").replace("  endfunction\n", "  (((\n")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri("fold.sv"), "version": 2},
                                        "contentChanges": [{"text": broken}]})
    got = folds(c, "fold.sv")
    check_invariants(got, broken.encode(), "fold.sv broken", True)
    check(R(0, 2, "comment") in got and R(23, 26, "region") in got,
          "broken fold.sv keeps what is whole: %s" % json.dumps(got))

    # random soups of the lexers' tokens, SystemVerilog and VHDL: never a bad range
    rnd = random.Random(7)
    toks = ["begin", "end", "case", "endcase", "fork", "join", "wait", "generate", "(", ")",
            "(*", "*)", "#", '"', "\\", "'", "'h", "/*", "*/", "//", "--", "`ifdef A", "`else",
            "`endif", "`define M \\", "end case", "port", "map", "é", "😀", "x", ";", "\n",
            "\n", "\n", " ", "module m", "endmodule", "entity e is", "end entity;"]
    for k in range(60):
        rel = "soup%d.%s" % (k, "vhd" if k % 2 else "sv")
        soup = "".join(rnd.choice(toks) + rnd.choice(["", " ", "\n"]) for _ in range(400))
        c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(rel), "languageId": "vhdl" if k % 2 else "systemverilog",
            "version": 1, "text": soup}})
        check_invariants(folds(c, rel), soup.encode(), rel, True)

    # ---- documentLink --------------------------------------------------------------------------
    got = links(c, "fold.sv")
    check([(l["tooltip"], l["target"]) for l in got] ==
          [("inc/fold_defs.svh", uri("inc/fold_defs.svh")), ("fold_pkg.sv", uri("fold_pkg.sv"))],
          "fold.sv links: %s" % got)
    check([l["range"] for l in got] ==
          [{"start": {"line": 3, "character": 10}, "end": {"line": 3, "character": 27}},
           {"start": {"line": 4, "character": 10}, "end": {"line": 4, "character": 21}}],
          "fold.sv link ranges: %s" % got)
    got = links(c, "sub/links.sv")
    check([(l["range"]["start"], l["range"]["end"], l["target"]) for l in got] ==
          [({"line": 1, "character": 18}, {"line": 1, "character": 32}, uri("fold_pkg.sv")),
           ({"line": 2, "character": 10}, {"line": 2, "character": 23},
            uri("inc/fold_defs.svh"))], "sub/links.sv links (UTF-16): %s" % got)
    for l in got:
        check(os.path.isfile(l["target"][len("file://"):]), "target exists: %s" % l)
    check(links(c, "fold.vhd") == [], "VHDL: no links")
    # includes typed into a buffer, not indexed yet: beside the file, as resolved elsewhere
    text = read("sub/links.sv").decode()
    typed = text + '`include "../inc/fold_defs.svh"\n`include "fold_pkg.sv"\n`include "x.svh"\n'
    c.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri("sub/links.sv"), "languageId": "systemverilog", "version": 1, "text": typed}})
    got = links(c, "sub/links.sv")
    check([(l["range"]["start"]["line"], l["tooltip"]) for l in got] ==
          [(1, "fold_pkg.sv"), (2, "inc/fold_defs.svh"), (6, "inc/fold_defs.svh"),
           (7, "fold_pkg.sv")], "links typed into a buffer: %s" % got)
    c.close()

    # ---- endCharacter, UTF-16 and UTF-8; rangeLimit ----------------------------------------
    c = start(False)
    check(folds(c, "fold.sv") == SV_CHARS, "fold.sv with characters:\n%s" %
          json.dumps(folds(c, "fold.sv")))
    for path in hdl_files(ws):
        rel = os.path.relpath(path, ws)
        check_invariants(folds(c, rel), read(rel), rel, False)
    c.close()
    c = start(False, utf8=True)
    got = folds(c, "fold.sv")
    check(got[12] == R(33, 35, None, 22), "UTF-8 endCharacter after é: %s" % got[12])
    got = links(c, "sub/links.sv")
    check(got[0]["range"]["start"] == {"line": 1, "character": 19}, "UTF-8 link: %s" % got[0])
    c.close()
    c = start(True, limit=5)
    got = folds(c, "fold.sv")
    check([r["startLine"] for r in got] == [0, 5, 7, 9, 43],
          "rangeLimit 5 keeps the outer levels: %s" % json.dumps(got))
    c.close()

    # ---- Debian's HDL, when installed: invariants only ---------------------------------------
    ext = os.path.join(work, "ext")
    n = 0
    for root in ("/usr/share/yosys", "/usr/lib/ghdl/src"):
        for path in hdl_files(root) if os.path.isdir(root) else []:
            dst = os.path.join(ext, os.path.relpath(path, "/usr"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(path, dst)
            n += 1
    if n:
        c = start(True, root=ext, no_index=True)
        total = 0
        for path in hdl_files(ext):
            rel = os.path.relpath(path, ext)
            got = folds(c, rel, root=ext)
            check_invariants(got, read(rel, ext), rel, True)
            total += len(got)
        check(total > n, "Debian HDL: %d ranges over %d files" % (total, n))
        c.close()
    print("lsp_folding: %d checks passed (%d Debian HDL files)" % (lsp_client.checks, n))
except LspError as e:
    raise SystemExit("FAIL: %s" % e)
finally:
    shutil.rmtree(work, ignore_errors=True)
