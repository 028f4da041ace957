#!/usr/bin/env python3
"""lsp_hostile.py - malformed input of every kind sent to `rtlassist lsp`; after each, a valid
request must be answered correctly by the same server process.

Usage: lsp_hostile.py RTLASSIST SOURCE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lsp_client  # noqa: E402
from lsp_client import Client, LspError, check  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]


work = tempfile.mkdtemp()
try:
    ws = os.path.join(work, "ws")
    os.makedirs(ws)
    shutil.copytree(os.path.join(SRC, "tests/fixtures/sv"), os.path.join(ws, "sv"))
    subprocess.run(["git", "init", "-q", ws], check=True)
    subprocess.run(["git", "-C", ws, "add", "-A"], check=True)
    env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))
    c = Client([BIN, "lsp"], cwd=ws, env=env, stderr=None if os.environ.get("RA_LSP_STDERR")
               else subprocess.DEVNULL)
    c.initialize(ws)
    c.wait_indexed()
    top = "file://" + ws + "/sv/top.sv"
    c.notify("textDocument/didOpen", {"textDocument": {"uri": top, "languageId": "systemverilog",
                                                       "version": 1,
                                                       "text": open(ws + "/sv/top.sv").read()}})

    def alive(what):
        """the valid request after each attack: definition of fifo from top.sv"""
        got = c.request("textDocument/definition",
                        {"textDocument": {"uri": top}, "position": {"line": 26, "character": 3}})
        check(len(got) == 1 and got[0]["uri"].endswith("/sv/fifo.sv") and
              got[0]["range"]["start"] == {"line": 1, "character": 7},
              "answer after %s: %s" % (what, got))

    def body(obj):
        return json.dumps(obj).encode()

    req = {"jsonrpc": "2.0", "id": 999999, "method": "textDocument/hover",
           "params": {"textDocument": {"uri": top}, "position": {"line": 0, "character": 0}}}
    attacks = [
        ("garbage bytes", b"\x00\xff\xfe garbage \r\n\r\n"),
        ("header without Content-Length", b"Content-Type: x\r\n\r\n{}"),
        ("non-numeric length", b"Content-Length: abc\r\n\r\n"),
        ("negative length", b"Content-Length: -5\r\n\r\n"),
        ("absurd length digits", b"Content-Length: 99999999999999999999999\r\n\r\n"),
        ("header junk before a frame", b"NOISE NOISE"),
        ("length too short", b"Content-Length: 10\r\n\r\n" + body(req)),
        ("length too long", b"Content-Length: %d\r\n\r\n" % (len(body(req)) + 40) + body(req)),
        ("invalid JSON", b"Content-Length: 9\r\n\r\n{not json"),
        ("JSON not an object", b"Content-Length: 7\r\n\r\n[1,2,3]"),
        ("no jsonrpc member", b"Content-Length: 25\r\n\r\n" + b'{"id":1,"method":"x"    }'),
        ("id of a bad type", b"Content-Length: 54\r\n\r\n" +
         b'{"jsonrpc":"2.0","id":{"a":1},"method":"initialize"  }'),
        ("deep nesting", b"Content-Length: 40000\r\n\r\n" + b"[" * 20000 + b"]" * 20000),
        ("a binary body", b"Content-Length: 256\r\n\r\n" + bytes(range(256))),
        ("blank lines", b"\r\n\r\n\r\n"),
    ]
    for what, data in attacks:
        c.send_raw(data)  # junk is followed directly by the next frame's header
        alive(what)
    # errors that must come back as replies
    for what, msg, code in [
        ("unknown method", {"jsonrpc": "2.0", "id": 11, "method": "no/such"}, -32601),
        ("params not an object", {"jsonrpc": "2.0", "id": 12, "method": "textDocument/hover",
                                  "params": [1, 2]}, -32602),
        ("position missing", {"jsonrpc": "2.0", "id": 13, "method": "textDocument/definition",
                              "params": {"textDocument": {"uri": top}}}, -32602),
        ("negative position", {"jsonrpc": "2.0", "id": 14, "method": "textDocument/hover",
                               "params": {"textDocument": {"uri": top},
                                          "position": {"line": -1, "character": 0}}}, -32602),
        ("string position", {"jsonrpc": "2.0", "id": 15, "method": "textDocument/hover",
                             "params": {"textDocument": {"uri": top},
                                        "position": {"line": "x", "character": 0}}}, -32602),
        ("unknown uri", {"jsonrpc": "2.0", "id": 16, "method": "textDocument/definition",
                         "params": {"textDocument": {"uri": "file://" + ws + "/nope.sv"},
                                    "position": {"line": 0, "character": 0}}}, -32602),
        ("not a file uri", {"jsonrpc": "2.0", "id": 17, "method": "textDocument/references",
                            "params": {"textDocument": {"uri": "http://x/y.sv"},
                                       "position": {"line": 0, "character": 0}}}, -32602),
        ("outside the workspace", {"jsonrpc": "2.0", "id": 18, "method": "textDocument/hover",
                                   "params": {"textDocument": {"uri": "file:///etc/hostname"},
                                              "position": {"line": 0, "character": 0}}},
         -32602),
        ("dot-dot escape", {"jsonrpc": "2.0", "id": 19, "method": "textDocument/hover",
                            "params": {"textDocument": {"uri": top + "/../../../../etc/passwd"},
                                       "position": {"line": 0, "character": 0}}}, -32602),
        ("second initialize", {"jsonrpc": "2.0", "id": 20, "method": "initialize",
                               "params": {}}, -32600),
    ]:
        c.send(msg)
        r = c.wait_response(msg["id"])
        check(r.get("error", {}).get("code") == code, "%s: %s" % (what, r))
        alive(what)
    # out-of-range positions are clamped, never an error
    for line, ch in [(100000, 0), (0, 100000), (2**31, 2**31), (61, 9999)]:
        r = c.request("textDocument/hover", {"textDocument": {"uri": top},
                                             "position": {"line": line, "character": ch}})
        check(r is None or "contents" in r, "out-of-range position answered")
        c.request("textDocument/completion", {"textDocument": {"uri": top},
                                              "position": {"line": line, "character": ch}})
        c.request("textDocument/signatureHelp", {"textDocument": {"uri": top},
                                                 "position": {"line": line, "character": ch}})
        alive("position %d:%d" % (line, ch))
    # malformed notifications are dropped silently
    for n in [{"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": top}, "contentChanges": [
                   {"range": {"start": {"line": 5, "character": 0},
                              "end": {"line": 1, "character": 0}}, "text": "x"}]}},
              {"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": top}, "contentChanges": "nope"}},
              {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": 5}},
              {"jsonrpc": "2.0", "method": "textDocument/didOpen",
               "params": {"textDocument": {"uri": "file:///etc/x.sv", "text": "module m;"}}},
              {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": [1]}},
              {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": None}]:
        c.send(n)
        alive("notification %s" % n["method"])
    # a frame over the cap (64 MiB) is read and dropped; the server replies with an error
    c.responses.pop(None, None)  # id-less error replies of the attacks above
    big = b"Content-Length: %d\r\n\r\n" % (70 << 20) + b" " * (70 << 20)
    c.send_raw(big)
    r = c.wait_response(None, timeout=60)
    check(r["error"]["code"] == -32600 and "over the cap" in r["error"]["message"],
          "oversized frame reported: %s" % r)
    alive("huge frame")
    # a huge declared length followed by a real frame: the header inside resynchronises
    c.send_raw(b"Content-Length: 900000000\r\n\r\n{\"jsonrpc\":")
    alive("lying huge length")
    # a large but legal document
    big_text = "module big;\n" + "".join(
        "  logic x%d;\n" % i for i in range(50000)) + "endmodule\n"
    c.notify("textDocument/didOpen", {"textDocument": {"uri": "file://" + ws + "/sv/big.sv",
                                                       "languageId": "systemverilog",
                                                       "version": 1, "text": big_text}})
    alive("a 50000-line document")
    check(c.close() == 0, "clean exit after the attacks")
except LspError as e:
    raise SystemExit("FAIL: %s" % e)
finally:
    shutil.rmtree(work, ignore_errors=True)
print("%d passed, 0 failed" % lsp_client.checks)
