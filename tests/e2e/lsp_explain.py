#!/usr/bin/env python3
"""lsp_explain.py - rtlassist/explain over the real LSP: the structure (same as the CLI's), the
prose streamed as $/progress deltas on the partialResultToken, then the reply with "prose"; a
failing model gives the structure with "prose_error".
Usage: lsp_explain.py RTLASSIST WORKSPACE MODE   (MODE: ok | fail | none)"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import Client  # noqa: E402

bin_, ws, mode = sys.argv[1:4]
c = Client([bin_, "lsp", "-C", ws])
c.initialize(ws)
c.wait_indexed()
r = c.request("rtlassist/explain", {"unit": "uart_tx", "prose": True,
                                    "partialResultToken": "tok1"}, timeout=30)
fsm = r["stateMachines"]
assert len(fsm) == 1 and fsm[0]["register"] == "state_q", fsm
assert fsm[0]["location"]["uri"].endswith("/uart_tx.sv"), fsm[0]["location"]
assert [p["name"] for p in r["parameters"]] == ["CLKS_PER_BIT", "DATA_W"], r["parameters"]
if mode == "ok":
    deltas = [n["params"]["value"]["delta"] for n in c.notifications
              if n.get("method") == "$/progress" and n["params"].get("token") == "tok1"]
    assert len(deltas) > 1, deltas
    assert "".join(deltas) == r["prose"], (deltas, r.get("prose"))
    assert r["prose"].startswith("echo: Explain this unit."), r["prose"]
elif mode == "fail":
    assert "prose" not in r and "500" in r["prose_error"], r
else:
    assert "chat" in r["prose_error"], r
r2 = c.request("rtlassist/explain", {"unit": "traffic"})
assert "prose" not in r2 and "prose_error" not in r2 and r2["architecture"] == "rtl", r2
c.close()
print("lsp explain %s: ok" % mode)
