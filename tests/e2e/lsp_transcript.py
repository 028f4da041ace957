#!/usr/bin/env python3
"""lsp_transcript.py - every request `rtlassist lsp` serves, over pipes against the real binary,
on a git workspace made from tests/fixtures/sv and tests/fixtures/vhdl, with exact expected
answers (0-based lines and UTF-16 columns, as LSP counts).

Usage: lsp_transcript.py RTLASSIST SOURCE_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_client  # noqa: E402
from lsp_client import Client, LspError, check  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]


def short(locs):
    """(file, line, character) of each location"""
    return [(l["uri"].split("/ws/", 1)[1], l["range"]["start"]["line"],
             l["range"]["start"]["character"]) for l in (locs or [])]


work = tempfile.mkdtemp()
try:
    ws = os.path.join(work, "ws")
    os.makedirs(ws)
    shutil.copytree(os.path.join(SRC, "tests/fixtures/sv"), os.path.join(ws, "sv"))
    shutil.copytree(os.path.join(SRC, "tests/fixtures/vhdl"), os.path.join(ws, "vhdl"))
    for d in ("sv", "vhdl"):
        for f in os.listdir(os.path.join(ws, d)):
            if f.endswith(".golden"):
                os.remove(os.path.join(ws, d, f))
    # a non-ASCII comment before a declaration: UTF-16 columns differ from bytes
    with open(os.path.join(ws, "sv/utf.sv"), "w", encoding="utf-8") as f:
        f.write("// Ünïcode 😀 — comment\nmodule utf_m; /* 😀 ï */ logic sig; assign sig = 1'b0;"
                " endmodule\n")
    subprocess.run(["git", "init", "-q", ws], check=True)
    subprocess.run(["git", "-C", ws, "add", "-A"], check=True)
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))

    c = Client([BIN, "lsp"], cwd=ws, env=env)
    init = c.initialize(ws)
    caps = init["capabilities"]
    check(caps["positionEncoding"] == "utf-16", "UTF-16 is the default encoding")
    for cap in ("definitionProvider", "declarationProvider", "referencesProvider",
                "documentHighlightProvider", "hoverProvider", "documentSymbolProvider",
                "workspaceSymbolProvider", "callHierarchyProvider"):
        check(caps.get(cap) is True, cap)
    check(caps["textDocumentSync"]["change"] == 2, "incremental sync")
    check(caps["completionProvider"]["triggerCharacters"], "completion triggers")
    # work-done progress while the workspace indexes
    begin = c.wait_notification(lambda n: n.get("method") == "$/progress"
                                and n["params"]["value"]["kind"] == "begin", 60)
    check(begin["params"]["value"]["title"] == "Indexing", "progress begin")
    end = c.wait_indexed()
    check("indexed" in end["params"]["value"]["message"], "progress end: %s" % end)
    check(any(n.get("method") == "window/workDoneProgress/create" for n in c.notifications),
          "progress token created")

    def open_doc(rel, lang):
        uri = "file://" + ws + "/" + rel
        c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": lang, "version": 1,
            "text": open(os.path.join(ws, rel), encoding="utf-8").read()}})
        d = c.wait_notification(lambda n: n.get("method") == "textDocument/publishDiagnostics"
                                and n["params"]["uri"] == uri)
        return uri, d["params"]["diagnostics"]

    def at(uri, line, ch, **extra):
        p = {"textDocument": {"uri": uri}, "position": {"line": line, "character": ch}}
        p.update(extra)
        return p

    # references of a port while no file is open: the instances' named connections come from
    # the index (the formal's stored position), as they do from an open document's model below
    fifo_sv = "file://" + ws + "/sv/fifo.sv"
    push_col = open(os.path.join(ws, "sv/fifo.sv")).read().split("\n")[9].index("push")
    fifo_push = short(c.request("textDocument/references",
                                at(fifo_sv, 9, push_col, context={"includeDeclaration": False})))
    check(fifo_push == [("sv/fifo.sv", 17, 17), ("sv/top.sv", 30, 7), ("sv/top.sv", 48, 71)],
          "references of fifo.push from the index: %s" % fifo_push)

    top, diags = open_doc("sv/top.sv", "systemverilog")
    check(diags == [], "top.sv has no diagnostics: %s" % diags)

    # ---- definition / declaration -------------------------------------------------------
    cases = [
        ((26, 3), [("sv/fifo.sv", 1, 7)], "instance type -> module"),
        ((27, 8), [("sv/fifo.sv", 6, 25)], ".clk formal -> fifo port"),
        ((26, 11), [("sv/fifo.sv", 2, 18)], "#(.DEPTH) -> fifo parameter"),
        ((30, 17), [("sv/top.sv", 18, 8)], "signal use -> declaration"),
        ((11, 40), [("sv/fix_pkg.sv", 4, 25)], "pkg::NUM_LANES"),
        ((21, 3), [("sv/fix_pkg.sv", 11, 4)], "imported typedef"),
        ((60, 18), [("sv/fix_pkg.sv", 8, 4)], "imported enum member"),
        ((15, 22), [("sv/defs.svh", 4, 8)], "`DATA_W macro"),
        ((49, 60), [("sv/top.sv", 47, 10)], "generate-local signal"),
        ((43, 3), [("sv/top.sv", 3, 7)], "sink instance type"),
    ]
    for (line, ch), want, what in cases:
        got = short(c.request("textDocument/definition", at(top, line, ch)))
        check(got == want, "definition %s: %s" % (what, got))
    check(c.request("textDocument/definition", at(top, 0, 0)) == [], "nothing in a comment")
    got = short(c.request("textDocument/declaration", at(top, 26, 3)))
    check(got == [("sv/fifo.sv", 1, 7)], "declaration of a module: %s" % got)

    vtop, vdiags = open_doc("vhdl/top.vhd", "vhdl")
    msgs = sorted(d["message"] for d in vdiags)
    check(msgs == [], "top.vhd diagnostics: %s" % msgs)
    got = short(c.request("textDocument/definition", at(vtop, 41, 12)))
    check(got == [("vhdl/fifo.vhd", 7, 7)], "VHDL component instance -> entity: %s" % got)
    got = short(c.request("textDocument/declaration", at(vtop, 41, 12)))
    check(got == [("vhdl/top.vhd", 17, 12)], "VHDL declaration -> component: %s" % got)
    got = short(c.request("textDocument/definition", at(vtop, 54, 26)))
    check(got == [("vhdl/fifo.vhd", 7, 7)], "work.fifo -> VHDL entity: %s" % got)
    got = short(c.request("textDocument/definition", at(vtop, 44, 7)))
    check(got == [("vhdl/top.vhd", 23, 6)], "formal clk -> component port: %s" % got)
    got = short(c.request("textDocument/definition", at(vtop, 44, 18)))
    check(got == [("vhdl/top.vhd", 8, 4)], "actual CLK -> entity port: %s" % got)
    got = short(c.request("textDocument/definition", at(vtop, 50, 18)))
    check(got == [("vhdl/top.vhd", 37, 23)], "Full_Flag (mixed case) -> signal: %s" % got)

    # ---- references / highlight -----------------------------------------------------------
    refs = short(c.request("textDocument/references",
                           at(top, 13, 35, context={"includeDeclaration": True})))
    check(refs == [("sv/top.sv", 13, 32), ("sv/top.sv", 23, 28), ("sv/top.sv", 27, 13),
                   ("sv/top.sv", 38, 19), ("sv/top.sv", 41, 15), ("sv/top.sv", 48, 35)],
          "references of port clk: %s" % refs)
    refs = short(c.request("textDocument/references",
                           at(top, 13, 35, context={"includeDeclaration": False})))
    check(("sv/top.sv", 13, 32) not in refs and len(refs) == 5, "without declaration")
    # a port of fifo: uses inside fifo and the named connections of its instances
    fifo_push = short(c.request("textDocument/references",
                                at(top, 30, 8, context={"includeDeclaration": False})))
    check(fifo_push == [("sv/fifo.sv", 17, 17), ("sv/top.sv", 30, 7), ("sv/top.sv", 48, 71)],
          "references of fifo.push: %s" % fifo_push)
    unit_refs = short(c.request("textDocument/references",
                                at(top, 26, 3, context={"includeDeclaration": True})))
    check(("sv/fifo.sv", 1, 7) in unit_refs and ("sv/top.sv", 54, 4) in unit_refs
          and len([r for r in unit_refs if r[0] == "sv/top.sv"]) == 5,
          "references of module fifo: %s" % unit_refs)
    vrefs = short(c.request("textDocument/references",
                            at(vtop, 8, 5, context={"includeDeclaration": False})))
    check(vrefs == [("vhdl/top.vhd", 44, 17), ("vhdl/top.vhd", 56, 14),
                    ("vhdl/top.vhd", 64, 23), ("vhdl/top.vhd", 69, 30)],
          "VHDL references of CLK (any case): %s" % vrefs)
    hl = c.request("textDocument/documentHighlight", at(top, 18, 9))
    check([(h["range"]["start"]["line"], h["range"]["start"]["character"]) for h in hl] ==
          [(18, 8), (30, 13), (38, 42), (48, 76), (59, 14)], "highlight push: %s" % hl)

    # ---- hover -----------------------------------------------------------------------------
    h = c.request("textDocument/hover", at(top, 26, 3))["contents"]["value"]
    check("module fifo #(\n  parameter int DEPTH = 4,\n  parameter int W = 8\n) (\n"
          "  input logic clk," in h and "output logic [W-1:0] dout," in h, "unit hover: " + h)
    check("fifo.sv - a parameterised synchronous FIFO." in h, "comment above the unit: " + h)
    h = c.request("textDocument/hover", at(top, 19, 15))
    check(h["contents"]["value"].startswith("```systemverilog\nlogic [7:0] dout\n```") and
          "width 8 bits" in h["contents"]["value"], "signal hover: %s" % h)
    check(h["range"] == {"start": {"line": 19, "character": 14},
                         "end": {"line": 19, "character": 18}}, "hover range")
    h = c.request("textDocument/hover", at(top, 26, 32))["contents"]["value"]
    check(h.startswith("```systemverilog\nfifo u_named\n```\ninstance of module `fifo`"),
          "instance hover: " + h)
    fifo_uri = "file://" + ws + "/sv/fifo.sv"
    h = c.request("textDocument/hover", at(fifo_uri, 12, 25))["contents"]["value"]
    check("output logic full" in h and "**drivers**" in h and
          "line 20 (continuous): `assign full  = count == DEPTH;`" in h,
          "drivers in hover: " + h)
    h = c.request("textDocument/hover", at(vtop, 10, 6))["contents"]["value"]
    check("din : in std_logic_vector(7 downto 0)" in h and "8 bits" in h, "VHDL port: " + h)

    # ---- symbols ---------------------------------------------------------------------------
    syms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": top}})
    check([s["name"] for s in syms] == ["sink", "top"], "top-level symbols")
    topkids = [s["name"] for s in syms[1]["children"]]
    check(topkids[:5] == ["LANES", "clk", "rst_n", "din", "full"] and "g_lane" in topkids,
          "children of top: %s" % topkids)
    lane = [s for s in syms[1]["children"] if s["name"] == "g_lane"][0]
    check([k["name"] for k in lane["children"]] == ["lane_full", "u_lane"], "generate kids")
    vsyms = c.request("textDocument/documentSymbol", {"textDocument": {"uri": vtop}})
    check([s["name"] for s in vsyms] == ["Top", "Structural", "top_cfg"], "VHDL symbols")
    w = c.request("workspace/symbol", {"query": "popcnt"})
    check(w and w[0]["name"] == "popcount" and w[0]["containerName"] == "fix_pkg",
          "fuzzy workspace symbol: %s" % w)
    w = c.request("workspace/symbol", {"query": "fifo"})
    check(sorted((x["name"], short([x["location"]])[0][0]) for x in w[:2]) ==
          [("Fifo", "vhdl/fifo.vhd"), ("fifo", "sv/fifo.sv")], "exact names first: %s" % w)

    # ---- call hierarchy ----------------------------------------------------------------------
    item = c.request("textDocument/prepareCallHierarchy", at(top, 26, 3))[0]
    check(item["name"] == "fifo" and item["kind"] == 2, "prepare: %s" % item)
    inc = c.request("callHierarchy/incomingCalls", {"item": item})
    check(sorted((x["from"]["name"], len(x["fromRanges"])) for x in inc) ==
          [("top", 5)], "incoming: %s" % inc)
    item = c.request("textDocument/prepareCallHierarchy", at(top, 9, 8))[0]
    out = c.request("callHierarchy/outgoingCalls", {"item": item})
    check(sorted((x["to"]["name"], len(x["fromRanges"])) for x in out) ==
          [("bus_if", 1), ("fifo", 5), ("sink", 1)], "outgoing: %s" % out)

    # ---- custom requests ---------------------------------------------------------------------
    e = c.request("rtlassist/explain", {"unit": "fifo"})
    check([p["name"] for p in e["parameters"]] == ["DEPTH", "W"], "explain parameters")
    check([(p["name"], p["direction"], p.get("width")) for p in e["ports"]][:3] ==
          [("clk", "input", "1 bit"), ("rst_n", "input", "1 bit"), ("din", "input", "W bits")],
          "explain ports: %s" % e["ports"])
    check(sorted(b["instance"] for b in e["instantiatedBy"]) ==
          ["u_dot", "u_extra", "u_lane", "u_named", "u_pos"], "explain users")
    check([k["name"] for k in e["clocks"]] == ["clk"] and
          [k["name"] for k in e["resets"]] == ["rst_n"], "explain clocks/resets: %s" % e)
    e = c.request("rtlassist/explain", {"unit": "top"})
    check(any(s["instance"] == "u_named" and s["summary"].startswith(
        "fifo u_named: module fifo, 2 parameters, 8 ports") for s in e["submodules"]),
        "explain submodules: %s" % e["submodules"])
    hier = c.request("rtlassist/hierarchy", {"top": "top", "depth": 1})
    kids = sorted(k["instance"] for k in hier["roots"][0]["children"])
    check(kids == ["bus", "u_dot", "u_extra", "u_lane", "u_named", "u_pos", "u_sink"],
          "hierarchy: %s" % kids)
    tr = c.request("rtlassist/trace", {"unit": "fifo", "signal": "full",
                                       "direction": "drivers", "depth": 1})
    check(sorted(h["signal"] for h in tr["hits"]) == ["DEPTH", "count"], "trace: %s" % tr)
    sr = c.request("rtlassist/search", {"query": "popcount", "top": 3})
    check(sr["results"] and any("fix_pkg.sv" in r["uri"] for r in sr["results"]),
          "search: %s" % sr)
    # the server's searcher is kept and has the vector channel (the builtin embedder)
    sr2 = c.request("rtlassist/search", {"query": "count the bits that are set", "top": 5})
    check(any("vector" in r["channels"] for r in sr2["results"]),
          "search: no vector channel: %s" % sr2)

    # ---- completion (typed into the open buffer, incremental changes) ------------------------
    version = [1]

    def insert(line, ch, text):
        version[0] += 1
        c.notify("textDocument/didChange", {
            "textDocument": {"uri": top, "version": version[0]},
            "contentChanges": [{"range": {"start": {"line": line, "character": ch},
                                          "end": {"line": line, "character": ch}},
                                "text": text}]})

    insert(61, 0, "  fi\n")
    r = c.request("textDocument/completion", at(top, 61, 4))
    labels = [i["label"] for i in r["items"]]
    check(labels[:2] == ["fifo", "fix_pkg"] or "fifo" in labels, "unit names: %s" % labels)
    fifo_item = [i for i in r["items"] if i["label"] == "fifo"][0]
    check(fifo_item["insertTextFormat"] == 2 and fifo_item["insertText"] ==
          "fifo #(\n  .DEPTH(${1:4}),\n  .W(${2:8})\n) ${3:u_fifo} (\n  .clk(${4:clk}),\n"
          "  .rst_n(${5:rst_n}),\n  .din(${6:din}),\n  .push(${7:push}),\n  .pop(${8:pop}),\n"
          "  .dout(${9:dout}),\n  .full(${10:full}),\n  .empty(${11:empty})\n);",
          "instantiation snippet: %r" % fifo_item.get("insertText"))
    # replace the partial line with an instance whose connection list is being typed
    version[0] += 1
    c.notify("textDocument/didChange", {
        "textDocument": {"uri": top, "version": version[0]},
        "contentChanges": [{"range": {"start": {"line": 61, "character": 0},
                                      "end": {"line": 62, "character": 0}},
                            "text": "  fifo u_new (.clk(clk), .\n"}]})
    r = c.request("textDocument/completion", at(top, 61, 27))
    got = [(i["label"], i["detail"]) for i in r["items"]]
    check(got[0] == ("rst_n", "input logic rst_n (1 bit)") and
          ("dout", "output logic [W-1:0] dout (W bits)") in got and
          "clk" not in [g[0] for g in got], "unconnected ports: %s" % got)
    sig = c.request("textDocument/signatureHelp", at(top, 61, 20))
    check(sig["signatures"][0]["label"].startswith("fifo(input logic clk, input logic rst_n")
          and sig["activeParameter"] == 0, "signature help in a port list: %s" % sig)
    version[0] += 1
    c.notify("textDocument/didChange", {
        "textDocument": {"uri": top, "version": version[0]},
        "contentChanges": [{"range": {"start": {"line": 61, "character": 0},
                                      "end": {"line": 62, "character": 0}},
                            "text": "  always_comb state = fix_pkg::ST_IDLE;\n"}]})
    r = c.request("textDocument/completion", at(top, 61, 31))
    check([i["label"] for i in r["items"]][:4] == ["NUM_LANES", "LANE_W", "state_e", "ST_IDLE"],
          "pkg:: members: %s" % r)
    r = c.request("textDocument/completion", at(top, 61, 34))
    check([i["label"] for i in r["items"]] == ["ST_IDLE", "ST_BUSY", "ST_DONE"],
          "pkg::ST_ prefix: %s" % r)
    sig = c.request("textDocument/signatureHelp", at(top, 59, 40))
    check(sig and sig["signatures"][0]["label"] == "popcount(input logic [31:0] v)",
          "signature help of a function call: %s" % sig)
    # identifiers in scope: enum members through the import, signals of the module
    version[0] += 1
    c.notify("textDocument/didChange", {
        "textDocument": {"uri": top, "version": version[0]},
        "contentChanges": [{"range": {"start": {"line": 61, "character": 0},
                                      "end": {"line": 62, "character": 0}},
                            "text": "  initial state = ST_;\n"}]})
    r = c.request("textDocument/completion", at(top, 61, 21))
    check([i["label"] for i in r["items"]] == ["ST_IDLE", "ST_BUSY", "ST_DONE"],
          "enum members in scope: %s" % r)
    r = c.request("textDocument/completion", at(top, 61, 18))
    labels = [i["label"] for i in r["items"]]
    check({"clk", "rst_n", "push", "dout", "state", "LANES", "NUM_LANES"} <= set(labels),
          "identifiers in scope: %s" % labels)
    version[0] += 1
    c.notify("textDocument/didChange", {
        "textDocument": {"uri": top, "version": version[0]},
        "contentChanges": [{"range": {"start": {"line": 61, "character": 0},
                                      "end": {"line": 62, "character": 0}},
                            "text": "  assign x = `DA;\n"}]})
    r = c.request("textDocument/completion", at(top, 61, 16))
    check([i["label"] for i in r["items"]] == ["DATA_W"], "macros: %s" % r)

    # the buffer overrides the disk: definitions follow what is typed
    version[0] += 1
    c.notify("textDocument/didChange", {
        "textDocument": {"uri": top, "version": version[0]},
        "contentChanges": [{"range": {"start": {"line": 61, "character": 0},
                                      "end": {"line": 62, "character": 0}},
                            "text": "  logic fresh; assign fresh = push;\n"}]})
    got = short(c.request("textDocument/definition", at(top, 61, 24)))
    check(got == [("sv/top.sv", 61, 8)], "definition in unsaved text: %s" % got)

    # VHDL completion: work. units, port map and generic map
    vver = [1]

    def vchange(l0, l1, text):
        vver[0] += 1
        c.notify("textDocument/didChange", {
            "textDocument": {"uri": vtop, "version": vver[0]},
            "contentChanges": [{"range": {"start": {"line": l0, "character": 0},
                                          "end": {"line": l1, "character": 0}},
                                "text": text}]})

    vchange(57, 57, "  u_new : entity work.Fi\n")
    r = c.request("textDocument/completion", at(vtop, 57, 26))
    item = [i for i in r["items"] if i["label"] == "Fifo"]
    check(item and item[0]["insertText"].startswith(
        "Fifo\n  generic map (\n    DEPTH => ${1:16},\n    WIDTH => ${2:8}\n  )\n"
        "  port map (\n    clk => ${3:clk},"), "VHDL instantiation snippet: %s" % r)
    vchange(57, 58, "  u_new : entity work.fifo port map (clk => CLK, \n")
    r = c.request("textDocument/completion", at(vtop, 57, 51))
    got = [i["label"] for i in r["items"]]
    check(got[:3] == ["rst_n", "wr_en", "wr_data"] and "clk" not in got,
          "VHDL port map completion: %s" % got)
    vchange(57, 58, "\n")

    # ---- diagnostics -------------------------------------------------------------------------
    version[0] += 1
    c.notify("textDocument/didChange", {
        "textDocument": {"uri": top, "version": version[0]},
        "contentChanges": [{"range": {"start": {"line": 61, "character": 0},
                                      "end": {"line": 62, "character": 0}},
                            "text": "  nosuch u_x (.a(clk));\n  fifo u_y (.clk(clk), .bogus(push));"
                                    "\n  sink u_z (.bus(bus.slave), .seen(;\n"}]})
    d = c.wait_notification(lambda n: n.get("method") == "textDocument/publishDiagnostics"
                            and n["params"].get("version") == version[0])
    got = sorted((x["range"]["start"]["line"], x["severity"], x["message"])
                 for x in d["params"]["diagnostics"])
    check((61, 1, "unknown unit 'nosuch' instantiated") in got, "unknown unit: %s" % got)
    check((62, 1, "'fifo' has no port named 'bogus'") in got, "unknown port: %s" % got)
    check((62, 2, "port 'rst_n' of 'fifo' is not connected") in got, "missing port: %s" % got)
    check(any(s == 1 and m.startswith("syntax error") and l == 63 for l, s, m in got),
          "syntax error: %s" % got)
    vchange(57, 58, "  u_q : entity work.fifo port map (clk => CLK, nope => CLK);\n")
    d = c.wait_notification(lambda n: n.get("method") == "textDocument/publishDiagnostics"
                            and n["params"]["uri"] == vtop
                            and n["params"].get("version") == vver[0])
    got = sorted((x["range"]["start"]["line"], x["severity"], x["message"])
                 for x in d["params"]["diagnostics"])
    check((57, 1, "'Fifo' has no port named 'nope'") in got and
          (57, 2, "port 'wr_en' of 'Fifo' is not connected") in got and
          not any("rd_en" in m for _, _, m in got), "VHDL checks: %s" % got)

    # ---- UTF-16 columns -----------------------------------------------------------------------
    utf, _ = open_doc("sv/utf.sv", "systemverilog")
    # `sig` declared after a 😀 (2 UTF-16 units, 4 bytes) and ï (1 unit, 2 bytes)
    line1 = "module utf_m; /* 😀 ï */ logic sig; assign sig = 1'b0; endmodule"
    decl16 = len(line1[:line1.index("sig")].encode("utf-16-le")) // 2
    use16 = len(line1[:line1.rindex("sig")].encode("utf-16-le")) // 2
    got = c.request("textDocument/definition", at(utf, 1, use16 + 1))
    check(got and got[0]["range"]["start"] == {"line": 1, "character": decl16} and
          got[0]["range"]["end"] == {"line": 1, "character": decl16 + 3},
          "UTF-16 columns: %s (want %d)" % (got, decl16))

    # ---- save: the index follows --------------------------------------------------------------
    with open(os.path.join(ws, "sv/extra.sv"), "w") as f:
        f.write("module extra_unit (input logic a); endmodule\n")
    c.notify("workspace/didChangeWatchedFiles",
             {"changes": [{"uri": "file://" + ws + "/sv/extra.sv", "type": 1}]})
    ok = False
    for _ in range(100):
        if c.request("workspace/symbol", {"query": "extra_unit"}):
            ok = True
            break
        c.drain(0.05)
    check(ok, "a new file is indexed after didChangeWatchedFiles")
    with open(os.path.join(ws, "sv/fifo.sv")) as f:
        text = f.read()
    with open(os.path.join(ws, "sv/fifo.sv"), "w") as f:
        f.write(text.replace("module fifo", "module fifo_renamed"))
    c.notify("textDocument/didOpen", {"textDocument": {"uri": fifo_uri, "languageId":
                                                       "systemverilog", "version": 1,
                                                       "text": open(os.path.join(
                                                           ws, "sv/fifo.sv")).read()}})
    c.notify("textDocument/didSave", {"textDocument": {"uri": fifo_uri}})
    c.notify("textDocument/didClose", {"textDocument": {"uri": fifo_uri}})
    ok = False
    for _ in range(100):
        if c.request("workspace/symbol", {"query": "fifo_renamed"}):
            ok = True
            break
        c.drain(0.05)
    check(ok, "saving updates the index")
    # the workspace/symbol table follows by file: the old name is gone, other files' stay
    w = c.request("workspace/symbol", {"query": "fifo"})
    check(not [x for x in w if x["name"] == "fifo" and
               x["location"]["uri"].endswith("/sv/fifo.sv")], "renamed unit gone: %s" % w)
    check(c.request("workspace/symbol", {"query": "popcnt"}), "other files' names kept")
    os.remove(os.path.join(ws, "sv/extra.sv"))
    c.notify("workspace/didChangeWatchedFiles",
             {"changes": [{"uri": "file://" + ws + "/sv/extra.sv", "type": 3}]})
    ok = False
    for _ in range(100):
        if not c.request("workspace/symbol", {"query": "extra_unit"}):
            ok = True
            break
        c.drain(0.05)
    check(ok, "a deleted file's names leave workspace/symbol")

    # ---- errors -------------------------------------------------------------------------------
    r = c.request_full("textDocument/nonsense", {})
    check(r["error"]["code"] == -32601, "unknown method")
    r = c.request_full("textDocument/definition", {"textDocument": {"uri": top}})
    check(r["error"]["code"] == -32602, "missing position")
    r = c.request_full("textDocument/hover", at("file:///etc/passwd", 0, 0))
    check(r["error"]["code"] == -32602 and "outside" in r["error"]["message"],
          "outside the workspace: %s" % r)
    r = c.request_full("textDocument/hover", at("file://" + ws + "/sv/none.sv", 0, 0))
    check(r["error"]["code"] == -32602, "unknown document: %s" % r)
    # a closed file is read from disk
    got = short(c.request("textDocument/definition",
                          at("file://" + ws + "/vhdl/fifo.vhd", 36, 12)))
    check(got == [("vhdl/fifo.vhd", 13, 9)], "closed file navigation: %s" % got)
    # cancellation: a request and its cancel in one write
    rid = c.next_id
    c.next_id += 1
    c.send_raw(c.frame({"jsonrpc": "2.0", "id": rid, "method": "textDocument/hover",
                        "params": at(top, 26, 3)}) +
               c.frame({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": rid}}))
    r = c.wait_response(rid)
    check(r.get("error", {}).get("code") == -32800, "cancelled request: %s" % r)

    code = c.close()
    check(code == 0, "exit code after shutdown/exit: %s" % code)

    # utf-8 offered: negotiated, columns in bytes
    c = Client([BIN, "lsp", "--no-index"], cwd=ws, env=env)
    init = c.initialize(ws, utf8=True, progress=False)
    check(init["capabilities"]["positionEncoding"] == "utf-8", "UTF-8 negotiated")
    utf, _ = open_doc("sv/utf.sv", "systemverilog")
    b = line1.encode()
    got = c.request("textDocument/definition", at(utf, 1, b.rindex(b"sig") + 1))
    check(got and got[0]["range"]["start"]["character"] == b.index(b"sig"),
          "UTF-8 columns: %s" % got)
    # end of input without exit ends cleanly
    c.proc.stdin.close()
    check(c.proc.wait(timeout=10) == 0, "EOF ends cleanly")
    # exit without shutdown: exit code 1
    c = Client([BIN, "lsp", "--no-index"], cwd=ws, env=env)
    r = c.request_full("textDocument/hover", at(top, 0, 0))
    check(r["error"]["code"] == -32002, "before initialize: %s" % r)
    c.initialize(ws, progress=False)
    c.notify("exit")
    check(c.proc.wait(timeout=10) == 1, "exit without shutdown")
except LspError as e:
    raise SystemExit("FAIL: %s" % e)
finally:
    shutil.rmtree(work, ignore_errors=True)
print("%d passed, 0 failed" % lsp_client.checks)
