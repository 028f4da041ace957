#!/usr/bin/env python3
"""bench_lsp.py - latency of `rtlassist lsp` on a real workspace: definition, hover, references
and completion replayed at identifier positions of the workspace's largest files once they are
open (opening, which parses the file, is timed apart), the re-parse
after a change to a 5,000-line file, and the server's memory. Figures are printed, never
asserted. Besides the latency the client sees (which includes this Python client's own JSON
decoding: about 20 ms for a reply of 8,000 locations), the CPU time of the server's main thread
per request is printed (from /proc schedstat: what the server spends, whatever the load of the
machine).

  bench_lsp.py RTLASSIST [WORKSPACE] [--files N] [--positions N]

Without WORKSPACE a scratch copy of /usr/share/yosys and /usr/lib/ghdl/src is used (its index is
built by the server at start, which is timed too)."""
import argparse
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from lsp_client import Client  # noqa: E402

EXTS = (".v", ".sv", ".svh", ".vh", ".vhd", ".vhdl")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def rss_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def thread_cpu_ms(pid):
    """CPU time of the server's main thread (the one answering requests), in ms"""
    try:
        with open("/proc/%d/task/%d/schedstat" % (pid, pid)) as f:
            return int(f.read().split()[0]) / 1e6
    except OSError:
        return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("workspace", nargs="?")
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--positions", type=int, default=60)
    a = ap.parse_args()
    scratch = None
    ws = a.workspace
    if not ws:
        scratch = tempfile.mkdtemp()
        ws = os.path.join(scratch, "ws")
        os.makedirs(ws)
        for src, dst in (("/usr/share/yosys", "yosys"), ("/usr/lib/ghdl/src", "ghdl")):
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(ws, dst), symlinks=True)
    ws = os.path.abspath(ws)
    random.seed(1)
    try:
        env = dict(os.environ)
        c = Client([a.bin, "lsp", "--no-daemon", "-C", ws], env=env)
        t0 = time.monotonic()
        c.initialize(ws)
        c.wait_indexed(timeout=3600)
        print("index at start: %.1f s" % (time.monotonic() - t0))
        files = []
        for d, dirs, names in os.walk(ws):
            dirs[:] = [x for x in dirs if not x.startswith(".")]
            for n in names:
                if n.endswith(EXTS):
                    p = os.path.join(d, n)
                    files.append((os.path.getsize(p), p))
        files.sort(reverse=True)
        chosen = [p for _, p in files[:a.files]]
        lat = {"definition": [], "hover": [], "references": [], "completion": []}
        cpu = {m: [] for m in lat}
        opened = []
        ident = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{2,}\b")
        for path in chosen:
            uri = "file://" + path
            text = open(path, encoding="utf-8", errors="replace").read()
            lang = "vhdl" if path.endswith((".vhd", ".vhdl")) else "systemverilog"
            c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": lang,
                                                               "version": 1, "text": text}})
            # the first request after opening parses the file: timed apart, as "open"
            t = time.monotonic()
            c.request("textDocument/documentSymbol", {"textDocument": {"uri": uri}}, timeout=60)
            opened.append((time.monotonic() - t) * 1000)
            lines = text.split("\n")
            cands = [(i, m.start() + 1) for i, l in enumerate(lines)
                     if not l.lstrip().startswith(("//", "--"))
                     for m in ident.finditer(l) if l.isascii()]
            for line, ch in random.sample(cands, min(a.positions, len(cands))):
                pos = {"textDocument": {"uri": uri}, "position": {"line": line, "character": ch}}
                for method, extra in (("definition", {}), ("hover", {}),
                                      ("references", {"context": {"includeDeclaration": True}}),
                                      ("completion", {})):
                    p = dict(pos, **extra)
                    c0 = thread_cpu_ms(c.proc.pid)
                    t = time.monotonic()
                    c.request("textDocument/" + method, p, timeout=60)
                    lat[method].append((time.monotonic() - t) * 1000)
                    cpu[method].append(thread_cpu_ms(c.proc.pid) - c0)
        print("open (parse + symbols of the file) p50 %.1f ms, max %.1f ms over %d files of"
              " %.0f-%.0f KB" % (pct(opened, 50), max(opened), len(opened),
                                  min(sz for sz, p in files[:a.files]) / 1024.0,
                                  max(sz for sz, p in files[:a.files]) / 1024.0))
        print("requests on %d open files, %d positions each (ms):" % (len(chosen), a.positions))
        for m, xs in lat.items():
            if xs:
                print("  %-11s n=%-5d p50 %6.2f  p99 %6.2f  max %6.2f   server CPU p50 %6.2f"
                      "  p99 %6.2f  max %6.2f" %
                      (m, len(xs), pct(xs, 50), pct(xs, 99), max(xs), pct(cpu[m], 50),
                       pct(cpu[m], 99), max(cpu[m])))
        # re-parse after a change to a 5,000-line file
        big = [p for _, p in files if p.endswith((".v", ".sv"))]
        base = open(big[0], encoding="utf-8", errors="replace").read().split("\n")
        body = []
        while len(body) < 5000:
            body += base
        body = body[:5000]
        uri = "file://" + os.path.join(ws, "bench_5000_lines.sv")
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId":
                                                           "systemverilog", "version": 1,
                                                           "text": "\n".join(body)}})
        sym = {"textDocument": {"uri": uri}}
        c.request("textDocument/documentSymbol", sym)
        plain, changed = [], []
        for v in range(2, 42):
            t = time.monotonic()
            c.request("textDocument/documentSymbol", sym)
            plain.append((time.monotonic() - t) * 1000)
            c.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": v},
                "contentChanges": [{"range": {"start": {"line": 2500, "character": 0},
                                              "end": {"line": 2500, "character": 0}},
                                    "text": " "}]})
            t = time.monotonic()
            c.request("textDocument/documentSymbol", sym)
            changed.append((time.monotonic() - t) * 1000)
        print("5000-line file (%d bytes): documentSymbol p50 %.2f ms; after a change p50 %.2f"
              " p99 %.2f ms -> re-parse and diagnostics p50 %.2f ms" %
              (len("\n".join(body)), pct(plain, 50), pct(changed, 50), pct(changed, 99),
               pct(changed, 50) - pct(plain, 50)))
        print("server memory: RSS %.1f MB, peak %.1f MB" %
              (rss_kb(c.proc.pid, "VmRSS") / 1024.0, rss_kb(c.proc.pid, "VmHWM") / 1024.0))
        c.close()
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
