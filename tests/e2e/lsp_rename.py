#!/usr/bin/env python3
"""lsp_rename.py - textDocument/prepareRename and textDocument/rename over a small SystemVerilog +
VHDL workspace. Each rename's WorkspaceEdit is applied here (UTF-16 or UTF-8 columns, as
negotiated) and the files compared with the expected text: a signal inside a module, a port
used by named connections in another file (the result indexed again: same hierarchy), a module
(definition, end label, instantiations), a parameter used in `#(.P(...))`, a VHDL signal
written in several cases, a VHDL port used by `port map` in another file, a line with non-ASCII
text, an open buffer with unsaved changes (edits at the buffer's positions, its version in
documentChanges), a name declared in an unsaved buffer only, package members and a package, a
one-line module with its end label. And the refusals, each with its message: implicit `.name` and
`.*` connections (of a port, of a signal; from the index and from open documents), a keyword, a system task, a clash, a bad identifier
(SystemVerilog, VHDL), a keyword as the new name, a file changed on disk since it was indexed,
a read-only file (not as root: root writes anyway), a name declared nowhere, a module name that
also names a port, a VHDL entity that SystemVerilog instantiates in another case, malformed
requests.

Usage: lsp_rename.py RTLASSIST SOURCE_DIR"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_client  # noqa: E402
from lsp_client import Client, LspError, check  # noqa: E402

RTL = sys.argv[1]

FILES = {
    "rtl/core.sv": """// core: an accumulator
module core #(parameter int WIDTH = 8) (
  input  logic             clk,
  input  logic             rst_n,
  input  logic [WIDTH-1:0] din,
  output logic [WIDTH-1:0] dout
);
  logic [WIDTH-1:0] acc;
  always_ff @(posedge clk or negedge rst_n)
    if (!rst_n) acc <= '0;
    else acc <= acc + din;
  assign dout = acc;
endmodule : core
""",
    "rtl/top.sv": """module top (input logic clk, input logic rst_n, input logic [7:0] a, output logic [7:0] y);
  logic [7:0] mid;
  core #(.WIDTH(8)) u_core0 (.clk(clk), .rst_n(rst_n), .din(a), .dout(mid));
  core #(.WIDTH(8)) u_core1 (
    .clk  (clk),
    .rst_n(rst_n),
    .din  (mid),
    .dout (y)
  );
endmodule
""",
    "rtl/imp.sv": """module leaf (input logic clk, input logic en, output logic q);
  always_ff @(posedge clk) q <= en;
endmodule
module imp_top (input logic clk, input logic en, output logic q, output logic q2);
  leaf u_named (.clk, .en(en), .q(q));
  leaf u_star (.*, .q(q2));
endmodule
""",
    "rtl/uni.sv": """// \u00dcn\u00efcode: fa\u00e7ade of a counter
module uni (input logic clk, output logic [7:0] cnt);
  logic [7:0] r; /* gr\u00f6\u00dfe */ assign cnt = r;
  always_ff @(posedge clk) begin /* \u00fc\U0001F600 */ r <= r + 8'd1; end
  initial $display("uni");
endmodule
""",
    "rtl/filt.vhd": """library ieee;
use ieee.std_logic_1164.all;

entity filt is
  generic (DEPTH : integer := 4);
  port (
    Clk   : in  std_logic;
    d_in  : in  std_logic;
    d_out : out std_logic
  );
end entity filt;

architecture rtl of filt is
  signal Stage : std_logic;
begin
  process (CLK)
  begin
    if rising_edge(clk) then
      stage <= D_IN;
      d_out <= STAGE;
    end if;
  end process;
end architecture rtl;
""",
    "rtl/pkg.sv": """package util_pkg;
  typedef logic [3:0] nib_t;
  function automatic nib_t inc(nib_t x);
    return x + 4'd1;
  endfunction : inc
endpackage : util_pkg
""",
    "rtl/use.sv": """module use_pkg
  import util_pkg::*;
(input nib_t i, output nib_t o, output util_pkg::nib_t o2);
  assign o = inc(i);
  assign o2 = util_pkg::inc(o);
endmodule
""",
    "rtl/mixd.vhd": """entity Mixd is
  port (a : in bit);
end entity Mixd;
architecture rtl of Mixd is
begin
end architecture rtl;
""",
    "rtl/mix_top.sv": """module mix_top (input bit a);
  mixd u_m (.a(a));
endmodule
""",
    "rtl/tiny.sv": """module tiny (input logic a); endmodule : tiny
module twin (input logic leaf); endmodule
""",
    "rtl/sys.vhd": """library ieee;
use ieee.std_logic_1164.all;

entity sys is
  port (clk : in std_logic; x : in std_logic; y : out std_logic);
end entity sys;

architecture str of sys is
begin
  u_f : entity work.filt
    generic map (DEPTH => 2)
    port map (Clk => clk, D_In => x, d_out => y);
end architecture str;
""",
}




def make_ws(files=FILES):
    root = tempfile.mkdtemp(prefix="ra_rename_")
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return root


def uri(root, rel):
    return "file://" + os.path.join(root, rel)


def pos_of(text, needle, nth=0, utf16=True, offset=0):
    """the LSP position of the nth occurrence of needle (plus offset characters)"""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    i += offset
    line = text.count("\n", 0, i)
    col_text = text[text.rfind("\n", 0, i) + 1:i]
    if utf16:
        col = len(col_text.encode("utf-16-le")) // 2
    else:
        col = len(col_text.encode("utf-8"))
    return {"line": line, "character": col}


def col_index(line, character, utf16):
    """the str index in `line` of an LSP column"""
    if utf16:
        units = 0
        for i, ch in enumerate(line):
            if units >= character:
                return i
            units += 2 if ord(ch) > 0xFFFF else 1
        return len(line)
    return len(line.encode("utf-8")[:character].decode("utf-8"))


def apply_edits(text, edits, utf16=True):
    lines = text.split("\n")
    for e in sorted(edits, key=lambda e: (e["range"]["start"]["line"],
                                          e["range"]["start"]["character"]), reverse=True):
        s, t = e["range"]["start"], e["range"]["end"]
        check(s["line"] == t["line"], "an edit spans one line")
        ln = lines[s["line"]]
        a = col_index(ln, s["character"], utf16)
        b = col_index(ln, t["character"], utf16)
        lines[s["line"]] = ln[:a] + e["newText"] + ln[b:]
    return "\n".join(lines)


def edits_by_rel(root, result):
    """{rel: edits} of a WorkspaceEdit (changes or documentChanges)"""
    out = {}
    if "documentChanges" in result:
        for dc in result["documentChanges"]:
            out[dc["textDocument"]["uri"][len("file://" + root) + 1:]] = dc["edits"]
    else:
        for u, edits in result["changes"].items():
            out[u[len("file://" + root) + 1:]] = edits
    return out


def renamed(root, result, texts, utf16=True):
    """the texts after the edit"""
    out = dict(texts)
    for rel, edits in edits_by_rel(root, result).items():
        out[rel] = apply_edits(texts[rel], edits, utf16)
    return out


class Session:
    def __init__(self, root, caps_doc_changes=False, utf8=False):
        self.root = root
        self.utf16 = not utf8
        # the server's log (and a sanitizer's report) is read back by close()
        self.err = tempfile.TemporaryFile()
        self.c = Client([RTL, "lsp", "--no-daemon", "-C", root], cwd=root, stderr=self.err)
        caps = {"window": {"workDoneProgress": True}}
        if caps_doc_changes:
            caps["workspace"] = {"workspaceEdit": {"documentChanges": True}}
        if utf8:
            caps["general"] = {"positionEncodings": ["utf-8"]}
        init = self.c.request("initialize", {"processId": os.getpid(),
                                             "rootUri": "file://" + root, "capabilities": caps})
        self.c.notify("initialized", {})
        check(init["capabilities"].get("renameProvider") == {"prepareProvider": True},
              "renameProvider advertised with prepareProvider")
        self.c.wait_indexed()

    def close(self):
        code = self.c.close()
        self.err.seek(0)
        log = self.err.read().decode("utf-8", "replace")
        self.err.close()
        check(code == 0 and "Sanitizer" not in log and "runtime error" not in log,
              "server exit code %s, log:\n%s" % (code, log[-3000:]))

    def params(self, rel, text, needle, nth=0, offset=0, **extra):
        p = {"textDocument": {"uri": uri(self.root, rel)},
             "position": pos_of(text, needle, nth, self.utf16, offset)}
        p.update(extra)
        return p

    def prepare(self, rel, text, needle, nth=0, offset=0):
        return self.c.request_full("textDocument/prepareRename",
                                   self.params(rel, text, needle, nth, offset))

    def rename(self, rel, text, needle, new, nth=0, offset=0):
        return self.c.request_full("textDocument/rename",
                                   self.params(rel, text, needle, nth, offset, newName=new))


def expect_ok(reply, what):
    check("result" in reply and reply["result"] is not None,
          "%s: a result (got %s)" % (what, reply.get("error")))
    return reply["result"]


def expect_refusal(reply, what, *words):
    check("error" in reply, "%s: refused (got %s)" % (what, json.dumps(reply.get("result"))[:300]))
    msg = reply["error"]["message"]
    for w in words:
        check(w in msg, "%s: message %r names %r" % (what, msg, w))
    return msg


def hierarchy(root):
    subprocess.run([RTL, "index", "-C", root], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = subprocess.run([RTL, "hierarchy", "--json", "-C", root, "--no-daemon"], check=True,
                         stdout=subprocess.PIPE).stdout

    def strip(n):
        return {"path": n["path"], "type": n.get("type"), "unit": n.get("unit"),
                "how": n.get("how"), "children": [strip(k) for k in n.get("children", [])]}
    h = json.loads(out)
    return [strip(t) for t in h["tops"]], h["unresolved"]


def write_ws(root, texts):
    for rel, text in texts.items():
        with open(os.path.join(root, rel), "w", encoding="utf-8") as f:
            f.write(text)


def main():
    root = make_ws()
    ro = None
    try:
        s = Session(root)
        T = FILES
        core, top = T["rtl/core.sv"], T["rtl/top.sv"]

        # ---- prepareRename --------------------------------------------------------------
        r = expect_ok(s.prepare("rtl/core.sv", core, "acc <= acc", offset=8), "prepare acc")
        check(r["placeholder"] == "acc", "placeholder is the word")
        check(r["range"] == {"start": pos_of(core, "acc <= acc", offset=7),
                             "end": pos_of(core, "acc <= acc", offset=10)},
              "prepare range is the identifier: %s" % r["range"])
        expect_refusal(s.prepare("rtl/core.sv", core, "always_ff"), "keyword", "keyword")
        expect_refusal(s.prepare("rtl/uni.sv", T["rtl/uni.sv"], "$display", offset=2),
                       "system task", "system task")
        expect_refusal(s.prepare("rtl/filt.vhd", T["rtl/filt.vhd"], "rising_edge"),
                       "not in workspace", "rising_edge", "not in the workspace")
        expect_refusal(s.prepare("rtl/imp.sv", T["rtl/imp.sv"], "clk"), "implicit .name",
                       "clk", ".clk", "rtl/imp.sv:5")
        expect_refusal(s.prepare("rtl/imp.sv", T["rtl/imp.sv"], "en"), "implicit .* of a port",
                       ".*", "rtl/imp.sv:6")
        expect_refusal(s.prepare("rtl/imp.sv", T["rtl/imp.sv"], "en, output logic q, output"),
                       "a signal reached by .*", ".*", "leaf", "rtl/imp.sv:6")
        # an explicit .q(...) beside .* is renamed like any named connection
        r = expect_ok(s.rename("rtl/imp.sv", T["rtl/imp.sv"], "q", "qq"), "port beside .*")
        got = renamed(root, r, T)
        check(got["rtl/imp.sv"] == T["rtl/imp.sv"].replace("logic q)", "logic qq)").replace(
            ") q <=", ") qq <=").replace(".q(q)", ".qq(q)").replace(".q(q2)", ".qq(q2)"),
            "leaf.q renamed with its explicit connections:\n" + got["rtl/imp.sv"])

        # ---- a signal inside a module ------------------------------------------------------
        r = expect_ok(s.rename("rtl/core.sv", core, "acc;", "sum"), "rename acc")
        got = renamed(root, r, T)
        check(set(edits_by_rel(root, r)) == {"rtl/core.sv"}, "acc: one file")
        check(got["rtl/core.sv"] == re.sub(r"\bacc\b", "sum", core), "acc -> sum:\n" + got["rtl/core.sv"])

        # ---- a port with named connections in another file (hierarchy unchanged) ----------
        copy = make_ws()
        try:
            before = hierarchy(copy)
        finally:
            shutil.rmtree(copy)
        r = expect_ok(s.rename("rtl/core.sv", core, "dout", "data_out"), "rename dout")
        got = renamed(root, r, T)
        check(got["rtl/core.sv"] == core.replace("dout", "data_out"), "dout in core.sv")
        check(got["rtl/top.sv"] == top.replace(".dout", ".data_out"),
              "dout's .dout( connections:\n" + got["rtl/top.sv"])
        # the same from a named connection in the other file
        r2 = expect_ok(s.rename("rtl/top.sv", top, ".dout", "data_out", 1, 1), "rename at .dout(")
        check(renamed(root, r2, T) == got, "the same edit from a connection")
        copy = make_ws(got)
        try:
            check(hierarchy(copy) == before, "same hierarchy after renaming a port")
        finally:
            shutil.rmtree(copy)

        # ---- a module: definition, end label, instantiations -------------------------------
        r = expect_ok(s.rename("rtl/top.sv", top, "core #", "acc_core", 1), "rename core")
        got = renamed(root, r, T)
        check(got["rtl/core.sv"] == core.replace("module core", "module acc_core").replace(
            "endmodule : core", "endmodule : acc_core"), "core.sv:\n" + got["rtl/core.sv"])
        check(got["rtl/top.sv"] == top.replace("  core #", "  acc_core #"), "top.sv instantiations")
        copy = make_ws(got)
        try:
            tops, unres = hierarchy(copy)
            exp = json.loads(json.dumps(before[0]).replace('"core"', '"acc_core"'))
            check(tops == exp and unres == before[1], "hierarchy after renaming the module")
        finally:
            shutil.rmtree(copy)

        # ---- a parameter used in #(.P(...)) ----------------------------------------------
        r = expect_ok(s.rename("rtl/core.sv", core, "WIDTH", "W"), "rename WIDTH")
        got = renamed(root, r, T)
        check(got["rtl/core.sv"] == core.replace("WIDTH", "W"), "WIDTH in core.sv")
        check(got["rtl/top.sv"] == top.replace(".WIDTH(", ".W("), "#(.WIDTH( overrides")

        # ---- VHDL: every case variant; a port used by a port map in another file -----------
        filt, sysv = T["rtl/filt.vhd"], T["rtl/sys.vhd"]
        r = expect_ok(s.rename("rtl/filt.vhd", filt, "Stage", "hold"), "rename VHDL signal")
        got = renamed(root, r, T)
        check(got["rtl/filt.vhd"] == filt.replace("Stage", "hold").replace("stage", "hold")
              .replace("STAGE", "hold"), "VHDL case variants:\n" + got["rtl/filt.vhd"])
        r = expect_ok(s.rename("rtl/filt.vhd", filt, "d_in", "data_in"), "rename VHDL port")
        got = renamed(root, r, T)
        check(got["rtl/filt.vhd"] == filt.replace("d_in", "data_in").replace("D_IN", "data_in"),
              "VHDL port in its entity and architecture:\n" + got["rtl/filt.vhd"])
        check(got["rtl/sys.vhd"] == sysv.replace("D_In =>", "data_in =>"),
              "VHDL port map formal:\n" + got["rtl/sys.vhd"])
        r = expect_ok(s.rename("rtl/sys.vhd", sysv, "filt", "filter"), "rename VHDL entity")
        got = renamed(root, r, T)
        check(got["rtl/filt.vhd"] == re.sub(r"\bfilt\b", "filter", filt),
            "VHDL entity, end label, architecture:\n" + got["rtl/filt.vhd"])
        check(got["rtl/sys.vhd"] == sysv.replace("work.filt", "work.filter"), "VHDL instantiation")
        expect_refusal(s.rename("rtl/filt.vhd", filt, "Stage", "a__b"), "VHDL identifier", "a__b")
        expect_refusal(s.rename("rtl/filt.vhd", filt, "Stage", "signal"), "VHDL keyword",
                       "keyword")
        expect_refusal(s.rename("rtl/filt.vhd", filt, "Stage", "D_OUT"), "VHDL clash (case)",
                       "d_out", "rtl/filt.vhd:9")

        # ---- package members and a package: every use in the workspace -------------------
        pkg, use = T["rtl/pkg.sv"], T["rtl/use.sv"]
        r = expect_ok(s.rename("rtl/use.sv", use, "nib_t", "nibble_t"), "rename a typedef")
        got = renamed(root, r, T)
        check(got["rtl/pkg.sv"] == pkg.replace("nib_t", "nibble_t") and
              got["rtl/use.sv"] == use.replace("nib_t", "nibble_t"),
              "typedef renamed:\n" + got["rtl/pkg.sv"] + got["rtl/use.sv"])
        r = expect_ok(s.rename("rtl/pkg.sv", pkg, "inc(", "incr"), "rename a function")
        got = renamed(root, r, T)
        check(got["rtl/pkg.sv"] == re.sub(r"\binc\b", "incr", pkg) and
              got["rtl/use.sv"] == re.sub(r"\binc\b", "incr", use),
              "function renamed with its end label:\n" + got["rtl/pkg.sv"] + got["rtl/use.sv"])
        r = expect_ok(s.rename("rtl/use.sv", use, "util_pkg", "misc_pkg"), "rename a package")
        got = renamed(root, r, T)
        check(got["rtl/pkg.sv"] == pkg.replace("util_pkg", "misc_pkg") and
              got["rtl/use.sv"] == use.replace("util_pkg", "misc_pkg"),
              "package renamed:\n" + got["rtl/pkg.sv"] + got["rtl/use.sv"])
        # a VHDL entity that SystemVerilog instantiates in another case
        expect_refusal(s.prepare("rtl/mixd.vhd", T["rtl/mixd.vhd"], "Mixd"), "case variant",
                       "mixd", "rtl/mix_top.sv:2")

        # a one-line module with its end label; a module name that also names a port
        tiny = T["rtl/tiny.sv"]
        r = expect_ok(s.rename("rtl/tiny.sv", tiny, "tiny", "wee"), "one-line module")
        check(renamed(root, r, T)["rtl/tiny.sv"] == tiny.replace("tiny", "wee"),
              "one-line module and its end label")
        expect_refusal(s.prepare("rtl/imp.sv", T["rtl/imp.sv"], "leaf"), "homonym",
                       "port", "rtl/tiny.sv:2")

        # ---- malformed requests: errors, and the server goes on -----------------------------
        bad = s.c.request_full("textDocument/rename", s.params("rtl/core.sv", core, "acc;", newName=5))
        check(bad.get("error", {}).get("code") == -32602, "newName not a string: %s" % bad)
        expect_refusal(s.rename("rtl/core.sv", core, "acc;", "x" * 5000), "a huge name", "too long")
        bad = s.c.request_full("textDocument/prepareRename", {
            "textDocument": {"uri": uri(root, "rtl/core.sv")},
            "position": {"line": 9999, "character": 0}})
        check("error" in bad, "past the end: %s" % bad)
        bad = s.c.request_full("textDocument/prepareRename", {
            "textDocument": {"uri": "file:///etc/passwd"}, "position": {"line": 0, "character": 0}})
        check(bad.get("error", {}).get("code") == -32602, "outside the workspace: %s" % bad)

        # ---- refusals of the new name ------------------------------------------------------
        expect_refusal(s.rename("rtl/core.sv", core, "acc;", "din"), "clash", "din",
                       "rtl/core.sv:5")
        expect_refusal(s.rename("rtl/core.sv", core, "core #", "top"), "module clash", "top",
                       "rtl/top.sv:1")
        expect_refusal(s.rename("rtl/core.sv", core, "acc;", "9lives"), "bad identifier", "9lives")
        expect_refusal(s.rename("rtl/core.sv", core, "acc;", "a-b"), "bad identifier", "a-b")
        expect_refusal(s.rename("rtl/core.sv", core, "acc;", "module"), "keyword", "keyword")

        # ---- non-ASCII line: UTF-16 columns -------------------------------------------------
        uni = T["rtl/uni.sv"]
        r = expect_ok(s.rename("rtl/uni.sv", uni, "r;", "acc_q"), "rename r in a non-ASCII file")
        got = renamed(root, r, T)
        exp = uni.replace("[7:0] r;", "[7:0] acc_q;").replace("cnt = r;", "cnt = acc_q;").replace(
            "*/ r <= r +", "*/ acc_q <= acc_q +")
        check(got["rtl/uni.sv"] == exp, "UTF-16 columns:\n" + got["rtl/uni.sv"])

        # ---- an open buffer with unsaved changes --------------------------------------------
        buf = "// unsaved: a comment line\n" + top.replace("u_core0 (", "u_core0  (  ")
        s.c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(root, "rtl/top.sv"), "languageId": "systemverilog", "version": 7,
            "text": buf}})
        r = expect_ok(s.rename("rtl/core.sv", core, "din", "data_in"), "rename with a buffer")
        got = renamed(root, r, dict(T, **{"rtl/top.sv": buf}))
        check(got["rtl/top.sv"] == buf.replace(".din", ".data_in"),
              "edits at the buffer's positions:\n" + got["rtl/top.sv"])
        s.c.notify("textDocument/didClose", {"textDocument": {"uri": uri(root, "rtl/top.sv")}})
        # a name declared in the unsaved buffer only; the implicit connections of open documents
        cbuf = core.replace("  assign dout = acc;", "  logic extra;\n  assign extra = acc;\n"
                            "  assign dout = extra;")
        s.c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(root, "rtl/core.sv"), "languageId": "systemverilog", "version": 2,
            "text": cbuf}})
        r = expect_ok(s.rename("rtl/core.sv", cbuf, "extra", "staged"), "a name of the buffer")
        got = renamed(root, r, dict(T, **{"rtl/core.sv": cbuf}))
        check(got["rtl/core.sv"] == cbuf.replace("extra", "staged") and len(got) == len(T),
              "the buffer's own name:\n" + got["rtl/core.sv"])
        s.c.notify("textDocument/didClose", {"textDocument": {"uri": uri(root, "rtl/core.sv")}})
        imp = T["rtl/imp.sv"]
        s.c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(root, "rtl/imp.sv"), "languageId": "systemverilog", "version": 1,
            "text": imp}})
        expect_refusal(s.prepare("rtl/imp.sv", imp, "clk"), "open: implicit .name", ".clk",
                       "rtl/imp.sv:5")
        expect_refusal(s.prepare("rtl/imp.sv", imp, "en"), "open: .*", ".*", "rtl/imp.sv:6")
        expect_refusal(s.prepare("rtl/imp.sv", imp, "en, output logic q, output"),
                       "open: a signal reached by .*", ".*", "leaf", "rtl/imp.sv:6")
        r = expect_ok(s.rename("rtl/imp.sv", imp, "q", "qq"), "open: port beside .*")
        check(renamed(root, r, T)["rtl/imp.sv"].count("qq") == 4, "open: leaf.q renamed")
        s.c.notify("textDocument/didClose", {"textDocument": {"uri": uri(root, "rtl/imp.sv")}})

        # ---- a file changed on disk since it was indexed: nothing renamed -------------------
        with open(os.path.join(root, "rtl/top.sv"), "w") as f:
            f.write("\n\n" + top)
        expect_refusal(s.rename("rtl/core.sv", core, "din", "data_in"), "stale file",
                       "rtl/top.sv:3", "no longer holds")
        with open(os.path.join(root, "rtl/top.sv"), "w") as f:
            f.write(top)

        # ---- a read-only file ---------------------------------------------------------------
        if os.geteuid() != 0:  # root writes anyway
            os.chmod(os.path.join(root, "rtl/top.sv"), 0o444)
            ro = os.path.join(root, "rtl/top.sv")
            expect_refusal(s.rename("rtl/core.sv", core, "din", "data_in"), "read-only",
                           "rtl/top.sv", "not writable")
            os.chmod(ro, 0o644)
            ro = None
        s.close()

        # ---- documentChanges, UTF-8 columns -------------------------------------------------
        s = Session(root, caps_doc_changes=True, utf8=True)
        s.c.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri(root, "rtl/uni.sv"), "languageId": "systemverilog", "version": 3,
            "text": uni}})
        r = expect_ok(s.rename("rtl/uni.sv", uni, "r;", "acc_q"), "documentChanges")
        check(r["documentChanges"][0]["textDocument"]["version"] == 3, "open document version")
        got = renamed(root, r, T, utf16=False)
        check(got["rtl/uni.sv"] == exp, "UTF-8 columns:\n" + got["rtl/uni.sv"])
        r = expect_ok(s.rename("rtl/core.sv", core, "WIDTH", "W"), "documentChanges, closed")
        check(all(dc["textDocument"]["version"] is None for dc in r["documentChanges"]),
              "closed documents have a null version")
        s.close()
    finally:
        if ro:
            os.chmod(ro, 0o644)
        shutil.rmtree(root)
    print("lsp_rename: %d checks passed" % lsp_client.checks)


if __name__ == "__main__":
    try:
        main()
    except LspError as e:
        raise SystemExit("FAIL: %s" % e)
