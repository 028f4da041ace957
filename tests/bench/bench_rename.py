#!/usr/bin/env python3
"""bench_rename.py - latency of textDocument/prepareRename and rename on a big workspace (run by
hand; never a test). Starts `rtlassist lsp --no-daemon` on WORKSPACE (indexed beforehand with the
same binary), then asks prepareRename and rename at FILE:LINE:COL (1-based line and column, as
an editor shows them) REPEAT times, after references at the same place for comparison, and prints the wall time of each request (median and
minimum), the server's CPU time per request (/proc/PID/stat, 10 ms ticks: use REPEAT >= 10), and the size of the edit.

Usage: bench_rename.py RTLASSIST WORKSPACE FILE:LINE:COL NEWNAME [REPEAT]
e.g.   bench_rename.py build/rtlassist /tmp/ot hw/ip/prim/rtl/prim_subreg.sv:35:25 qs_o 5"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from lsp_client import Client  # noqa: E402


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    rtl, root, where, new = sys.argv[1:5]
    repeat = int(sys.argv[5]) if len(sys.argv) > 5 else 5
    root = os.path.abspath(root)
    rel, line, col = where.rsplit(":", 2)
    c = Client([rtl, "lsp", "--no-daemon", "--no-index", "-C", root], cwd=root)
    c.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + root,
                             "capabilities": {}})
    c.notify("initialized", {})
    params = {"textDocument": {"uri": "file://" + os.path.join(root, rel)},
              "position": {"line": int(line) - 1, "character": int(col) - 1}}
    times = {"references": [], "prepareRename": [], "rename": []}
    cpus = {k: 0.0 for k in times}
    edits = files = 0
    for _ in range(repeat):
        for method in ("references", "prepareRename", "rename"):
            p = dict(params, newName=new) if method == "rename" else params
            if method == "references":
                p = dict(params, context={"includeDeclaration": True})
            c0 = cpu_seconds(c.proc.pid)
            t0 = time.perf_counter()
            reply = c.request_full("textDocument/" + method, p, timeout=600)
            times[method].append(time.perf_counter() - t0)
            cpus[method] += cpu_seconds(c.proc.pid) - c0
            if "error" in reply:
                print("%s refused: %s" % (method, reply["error"]["message"]))
                c.close()
                return 1
            if method == "rename":
                ch = reply["result"]["changes"]
                files = len(ch)
                edits = sum(len(v) for v in ch.values())
    c.close()
    for method, v in times.items():
        print("%-14s wall median %.1f ms, min %.1f ms; server CPU %.1f ms per request (%d runs)"
              % (method, statistics.median(v) * 1e3, min(v) * 1e3, cpus[method] * 1e3 / len(v),
                 len(v)))
    print("rename: %d edits in %d files" % (edits, files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
