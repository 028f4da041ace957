#!/usr/bin/env python3
"""lsp_symbols.py - textDocument/documentSymbol, whose reply the server writes as JSON text:
every reply must be strict JSON (UTF-8, no raw control characters, no duplicate keys), and the
tree must be right for names with quotes, backslashes, control characters and non-ASCII
characters (escaped identifiers), for nested children (a 150-deep generate nest), for a file with
syntax errors, for an open document changed into a syntax error, and for a file that is not
UTF-8 (its symbols with non-UTF-8 names are left out). Positions are checked against the text:
what a symbol's selectionRange covers is its name, in UTF-16 and in UTF-8 columns. The other
replies written as JSON text (call hierarchy, rtlassist/hierarchy, rtlassist/trace) are checked
on the same kind of names.

Usage: lsp_symbols.py RTLASSIST SOURCE_DIR"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_client  # noqa: E402
from lsp_client import Client, check  # noqa: E402

BIN = sys.argv[1]


def no_dup(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise SystemExit("FAIL: duplicate keys %s" % keys)
    return dict(pairs)


class StrictJson:
    """what the client parses replies with: UTF-8 strictly, no duplicate keys (json.loads
    already refuses raw control characters in strings)"""
    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(body):
        return json.loads(body.decode("utf-8"), object_pairs_hook=no_dup)


lsp_client.json = StrictJson

EDGE = ('// Ünïcode 😀 — header\n'
        'module \\q"uote ( input logic [7:0] \\in\\put , output logic \\ö😀ut );\n'
        '  typedef logic [3:0] \\t"y\\pe ;\n'
        '  \\t"y\\pe  /* ï */ \\v"ar ;\n'
        '  logic \\ctl\x01x ;\n'
        '  function automatic int f😀(); return 0; endfunction\n'
        '  generate if (1) begin : \\g"en\n'
        '    logic inner; end endgenerate\n'
        'endmodule\n'
        'module after_err; logic a; assign a = ; wire b;\n'
        'endmodule\n')
# (name, kind, detail, children) of EDGE
EDGE_TREE = [
    ('\\q"uote', 2, "module", [
        ("\\in\\put", 7, "input logic [7:0]", None),
        ("\\ö😀ut", 7, "output logic", None),
        ('\\t"y\\pe', 26, "logic [3:0]", None),
        ('\\v"ar', 13, '\\t"y\\pe', None),
        ("\\ctl\x01x", 13, "logic", None),
        ("f", 12, "int", None),
        ('\\g"en', 3, "if", [("inner", 13, "logic", None)]),
    ]),
    ("after_err", 2, "module", [("a", 13, "logic", None), ("b", 13, "wire", None)]),
]
# the other replies written as JSON text, on the same kind of names: call hierarchy,
# rtlassist/hierarchy and rtlassist/trace
CALLS = ('module \\le"af ( input logic \\i"n , output logic \\o\\ut );\n'
         '  assign \\o\\ut  = \\i"n ;\n'
         'endmodule\n'
         'module \\mi"d ( input logic a, output logic y );\n'
         '  \\le"af  \\u"0  ( .\\i"n (a), .\\o\\ut (y) );\n'
         '  \\le"af  \\u😀1 ( .\\i"n (a), .\\o\\ut () );\n'
         'endmodule\n'
         'module top_h; logic a, y; \\mi"d  u_mid ( .a(a), .y(y) ); endmodule\n')
LATIN = b"// caf\xe9\nmodule ok_m; logic \\b\xe9 ; logic y; endmodule\n"
DEPTH = 150


def shape(syms):
    return [(s["name"], s["kind"], s.get("detail"),
             shape(s["children"]) if "children" in s else None) for s in syms]


def col_offset(line, col, utf8):
    """byte offset in `line` (bytes) of an LSP column"""
    if utf8:
        return col
    units = 0
    for i, ch in enumerate(line.decode("utf-8")):
        if units >= col:
            return len(line.decode("utf-8")[:i].encode("utf-8"))
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def text_at(data, rng, utf8):
    lines = data.split(b"\n")
    s, e = rng["start"], rng["end"]
    check(s["line"] == e["line"], "selection on one line: %s" % rng)
    line = lines[s["line"]]
    return line[col_offset(line, s["character"], utf8):
                col_offset(line, e["character"], utf8)].decode("utf-8", "replace")


def before(a, b):
    return (a["line"], a["character"]) <= (b["line"], b["character"])


def check_tree(syms, data, utf8, parent=None):
    """every symbol: the keys of a DocumentSymbol, its name under its selectionRange (when not
    empty), the selectionRange inside the range, children inside their parent"""
    for s in syms:
        check(set(s) <= {"name", "kind", "range", "selectionRange", "detail", "children"} and
              {"name", "kind", "range", "selectionRange"} <= set(s), "keys: %s" % sorted(s))
        check(isinstance(s["name"], str) and isinstance(s["kind"], int), "types: %s" % s)
        r, sel = s["range"], s["selectionRange"]
        check(before(r["start"], sel["start"]) and before(sel["end"], r["end"]),
              "selection inside range: %s" % s["name"])
        if parent:
            check(before(parent["range"]["start"], r["start"]) and
                  before(r["end"], parent["range"]["end"]), "child inside parent: %s" % s["name"])
        if sel["start"] != sel["end"]:
            got = text_at(data, sel, utf8)
            check(got == s["name"], "name at selectionRange: %r != %r" % (got, s["name"]))
        check_tree(s.get("children", []), data, utf8, s)


work = tempfile.mkdtemp()
try:
    ws = os.path.join(work, "ws")
    os.makedirs(ws)
    files = {"edge.sv": EDGE.encode("utf-8"), "latin.sv": LATIN, "calls.sv": CALLS.encode()}
    nest = "module deep;\n"
    for i in range(DEPTH):
        nest += "  " * (i + 1) + "if (1) begin : g%d\n" % i
    nest += "  " * (DEPTH + 1) + "logic leaf;\n"
    for i in reversed(range(DEPTH)):
        nest += "  " * (i + 1) + "end\n"
    files["deep.sv"] = (nest + "endmodule\n").encode()
    for name, data in files.items():
        with open(os.path.join(ws, name), "wb") as f:
            f.write(data)
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))

    def uri(name):
        return "file://" + os.path.join(ws, name)

    def symbols(c, name):
        return c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri(name)}})

    for utf8 in (False, True):
        c = Client([BIN, "lsp", "--no-daemon", "-C", ws], env=env)
        init = c.initialize(ws, utf8=utf8)
        check(init["capabilities"]["positionEncoding"] == ("utf-8" if utf8 else "utf-16"),
              "encoding")
        c.wait_indexed()

        # names with quotes, backslashes, a control character and non-ASCII, a syntax error
        syms = symbols(c, "edge.sv")
        check(shape(syms) == EDGE_TREE, "edge.sv tree: %s" % shape(syms))
        check_tree(syms, files["edge.sv"], utf8)
        port = syms[0]["children"][1]["selectionRange"]
        check(port == {"start": {"line": 1, "character": 58},
                       "end": {"line": 1, "character": 67 if utf8 else 64}},
              "columns of \\ö😀ut: %s" % port)

        # the same text open, then changed into another syntax error (a provisional model)
        c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri("edge.sv"), "languageId": "systemverilog", "version": 1, "text": EDGE}})
        check(symbols(c, "edge.sv") == syms, "open document: the same symbols")
        c.notify("textDocument/didChange", {
            "textDocument": {"uri": uri("edge.sv"), "version": 2},
            "contentChanges": [{"range": {"start": {"line": 7, "character": 17},
                                          "end": {"line": 7, "character": 20}}, "text": ""}]})
        changed = symbols(c, "edge.sv")
        check(changed and changed[0]["name"] == '\\q"uote' and
              [k["name"] for k in changed[0]["children"]][:6] ==
              ["\\in\\put", "\\ö😀ut", '\\t"y\\pe', '\\v"ar', "\\ctl\x01x", "f"],
              "after a change into a syntax error: %s" % shape(changed))
        check_tree(changed, (EDGE.replace("end endgenerate", " endgenerate", 1)).encode(), utf8)

        # not UTF-8: the symbol whose name is not is left out, the others are there
        syms = symbols(c, "latin.sv")
        check(shape(syms) == [("ok_m", 2, "module", [("y", 13, "logic", None)])],
              "latin.sv: %s" % shape(syms))

        # deep nesting
        syms = symbols(c, "deep.sv")
        check_tree(syms, files["deep.sv"], utf8)
        node, depth = syms[0], 0
        while node.get("children"):
            check(len(node["children"]) == 1, "one child at depth %d" % depth)
            node, depth = node["children"][0], depth + 1
        check(depth == DEPTH + 1 and node["name"] == "leaf",
              "deep.sv: depth %d, %s" % (depth, node["name"]))
        # call hierarchy, design hierarchy and traces through those names
        item = c.request("textDocument/prepareCallHierarchy", {
            "textDocument": {"uri": uri("calls.sv")}, "position": {"line": 5, "character": 4}})
        check([(i["name"], i["detail"], i["kind"], i["data"]) for i in item] ==
              [('\\mi"d', "module in calls.sv", 2, {"name": '\\mi"d', "lang": 1})],
              "prepare: %s" % item)
        check(text_at(files["calls.sv"], item[0]["selectionRange"], utf8) == '\\mi"d',
              "prepare: selectionRange")
        inc = c.request("callHierarchy/incomingCalls", {"item": {
            "name": '\\le"af', "data": {"name": '\\le"af', "lang": 1}}})
        check(len(inc) == 1 and inc[0]["from"] == item[0], "incoming: %s" % inc)
        check([text_at(files["calls.sv"], r, utf8) for r in inc[0]["fromRanges"]] ==
              ['\\u"0', "\\u😀1"], "incoming ranges: %s" % inc[0]["fromRanges"])
        out = c.request("callHierarchy/outgoingCalls", {"item": item[0]})
        check(len(out) == 1 and out[0]["to"]["name"] == '\\le"af' and
              out[0]["fromRanges"] == inc[0]["fromRanges"], "outgoing: %s" % out)
        h = c.request("rtlassist/hierarchy", {"top": "top_h"})
        mid = h["roots"][0]["children"][0]
        check(h["truncated"] is False and mid["path"] == 'top_h.u_mid' and
              mid["type"] == '\\mi"d' and
              [(k["path"], k["instance"], k["type"], k["children"]) for k in mid["children"]] ==
              [('top_h.u_mid.\\u"0', '\\u"0', '\\le"af', []),
               ("top_h.u_mid.\\u😀1", "\\u😀1", '\\le"af', [])], "hierarchy: %s" % h)
        check(text_at(files["calls.sv"], mid["children"][1]["location"]["range"], utf8) ==
              "\\u😀1", "hierarchy: location")
        tr = c.request("rtlassist/trace", {"unit": '\\mi"d', "signal": "a",
                                           "direction": "loads"})
        check(tr["unit"] == '\\mi"d' and tr["truncated"] is False and
              sorted((x["signal"], x["unit"], x["where"]) for x in tr["hits"])[:2] ==
              [('\\i"n', '\\le"af', '\\u"0'), ('\\i"n', '\\le"af', "\\u😀1")] and
              tr["hits"][0]["hops"][0]["to"] == '\\u"0.\\i"n', "trace: %s" % tr)
        c.close()
    print("lsp_symbols: %d checks passed" % lsp_client.checks)
finally:
    shutil.rmtree(work, ignore_errors=True)
