#!/usr/bin/env python3
"""bench_lsp.py - latency of `rtlassist lsp` on a real workspace: definition, hover, references
and completion replayed at identifier positions of the workspace's largest files once they are
open (opening, which parses the file, is timed apart), the re-parse
after a change to a 5,000-line file, and the server's memory. Figures are printed, never
asserted.

With --replies it times instead the requests whose replies can be big (documentSymbol of the
largest files, open and closed, of the largest non-ASCII files and of a synthetic 5,000-line file;
foldingRange and documentLink of the largest files and the 5,000-line one;
workspace/symbol; call hierarchy of the most instantiated units; rtlassist/hierarchy and
rtlassist/trace; completion at the start of lines), with the size of each reply; --dump DIR
writes every reply there (one JSON line per request, keys sorted), so that the replies of two
builds can be compared as JSON values with --compare DIR1 DIR2. Besides the latency the client sees (which includes this Python client's own JSON
decoding: about 20 ms for a reply of 8,000 locations), the CPU time of the server's main thread
per request is printed (from /proc schedstat: what the server spends, whatever the load of the
machine).

  bench_lsp.py RTLASSIST [WORKSPACE] [--files N] [--positions N]
  bench_lsp.py RTLASSIST WORKSPACE --replies [--files N] [--repeat N] [--dump DIR]
  bench_lsp.py --compare DIR1 DIR2

Without WORKSPACE a scratch copy of /usr/share/yosys and /usr/lib/ghdl/src is used (its index is
built by the server at start, which is timed too)."""
import argparse
import json
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


def hdl_files(ws):
    files = []
    for d, dirs, names in os.walk(ws):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for n in names:
            if n.endswith(EXTS):
                p = os.path.join(d, n)
                files.append((os.path.getsize(p), p))
    files.sort(reverse=True)
    return files


def open_doc(c, path, text=None):
    if text is None:
        text = open(path, encoding="utf-8", errors="replace").read()
    lang = "vhdl" if path.endswith((".vhd", ".vhdl")) else "systemverilog"
    c.notify("textDocument/didOpen", {"textDocument": {"uri": "file://" + path,
                                                       "languageId": lang, "version": 1,
                                                       "text": text}})
    return text


def replies(c, ws, a):
    """times the requests whose replies can be big; returns {series: [(label, result)]}"""
    files = hdl_files(ws)
    dumped = {}
    rows = []

    def timed(series, label, method, params):
        wall, cpu, res = [], [], None
        for _ in range(a.repeat):
            c0 = thread_cpu_ms(c.proc.pid)
            t = time.monotonic()
            reply = c.request_full(method, params, timeout=120)
            wall.append((time.monotonic() - t) * 1000)
            cpu.append(thread_cpu_ms(c.proc.pid) - c0)
            res = reply.get("result", reply.get("error"))
        size = len(json.dumps(res, separators=(",", ":")))
        rows.append((series, label, wall, cpu, size))
        dumped.setdefault(series, []).append((label, res))
        return res

    def doc(path):
        return {"textDocument": {"uri": "file://" + path}}

    # documentSymbol: the largest files closed (read from disk), then open
    big = [p for _, p in files[:a.files]]
    closed = [p for _, p in files[a.files:2 * a.files]]
    for p in closed:
        timed("documentSymbol (closed)", os.path.relpath(p, ws), "textDocument/documentSymbol",
              doc(p))
    for p in big:
        open_doc(c, p)
        c.request("textDocument/documentSymbol", doc(p), timeout=120)  # parses: not timed
        timed("documentSymbol (open)", os.path.relpath(p, ws), "textDocument/documentSymbol",
              doc(p))
    nonascii = []
    for sz, p in files:
        with open(p, "rb") as f:
            if not f.read().isascii():
                nonascii.append(p)
        if len(nonascii) == 5:
            break
    for p in nonascii:
        if p not in big:
            open_doc(c, p)
            c.request("textDocument/documentSymbol", doc(p), timeout=120)
        timed("documentSymbol (non-ASCII)", os.path.relpath(p, ws),
              "textDocument/documentSymbol", doc(p))
    svs = [p for _, p in files if p.endswith((".v", ".sv"))]
    base = open(svs[0], encoding="utf-8", errors="replace").read().split("\n")
    body = []
    while len(body) < 5000:
        body += base
    synth = os.path.join(ws, "bench_5000_lines.sv")
    open_doc(c, synth, "\n".join(body[:5000]))
    c.request("textDocument/documentSymbol", doc(synth), timeout=120)
    timed("documentSymbol (5000 lines)", "bench_5000_lines.sv", "textDocument/documentSymbol",
          doc(synth))

    # foldingRange and documentLink of the largest files (open) and the 5,000-line one
    for p in big + [synth]:
        timed("foldingRange", os.path.relpath(p, ws), "textDocument/foldingRange", doc(p))
        timed("documentLink", os.path.relpath(p, ws), "textDocument/documentLink", doc(p))

    # workspace/symbol
    for q in ("", "a", "e", "reg", "prim_", "ctrl", "top_earlgrey", "xyzzy"):
        timed("workspace/symbol", repr(q), "workspace/symbol", {"query": q})

    # call hierarchy: the units instantiated most, and the tops
    for name in ("prim_flop", "prim_subreg", "prim_flop_2sync", "prim_fifo_sync",
                 "prim_generic_flop", "top_earlgrey", "chip_earlgrey_asic", "top_darjeeling"):
        item = {"name": name, "kind": 2, "uri": "file:///x", "range": {
            "start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "selectionRange": {"start": {"line": 0, "character": 0},
                               "end": {"line": 0, "character": 0}},
            "data": {"name": name, "lang": 1}}
        timed("callHierarchy/incomingCalls", name, "callHierarchy/incomingCalls",
              {"item": item})
        timed("callHierarchy/outgoingCalls", name, "callHierarchy/outgoingCalls",
              {"item": item})

    # design hierarchy and traces
    for top in (None, "top_earlgrey", "chip_earlgrey_asic"):
        timed("rtlassist/hierarchy", str(top), "rtlassist/hierarchy",
              {"top": top} if top else {})
    for unit, sig, direction in (("top_earlgrey", "clk_main_i", "loads"),
                                 ("top_earlgrey", "rst_main_ni", "loads"),
                                 ("chip_earlgrey_asic", "IOA2", "loads"),
                                 ("prim_fifo_sync", "rdata_o", "drivers")):
        timed("rtlassist/trace", "%s.%s %s" % (unit, sig, direction), "rtlassist/trace",
              {"unit": unit, "signal": sig, "direction": direction})

    # completion at the start of lines (empty prefix) and after a short prefix in the largest
    # open files
    for p in big[:5]:
        lines = open(p, encoding="utf-8", errors="replace").read().split("\n")
        for frac in (0.3, 0.6, 0.9):
            ln = int(len(lines) * frac)
            timed("completion", "%s:%d" % (os.path.relpath(p, ws), ln),
                  "textDocument/completion",
                  dict(doc(p), position={"line": ln, "character": 0}))

    print("%-28s %5s %9s %9s %9s %9s %9s" % ("series", "n", "wall p50", "wall p99",
                                              "cpu p50", "cpu p99", "KB max"))
    for series in dict.fromkeys(r[0] for r in rows):
        rs = [r for r in rows if r[0] == series]
        wall = [x for r in rs for x in r[2]]
        cpu = [x for r in rs for x in r[3]]
        print("%-28s %5d %9.2f %9.2f %9.2f %9.2f %9.1f" %
              (series, len(wall), pct(wall, 50), pct(wall, 99), pct(cpu, 50), pct(cpu, 99),
               max(r[4] for r in rs) / 1024.0))
    if a.verbose:
        for series, label, wall, cpu, size in rows:
            print("  %-28s %-60s cpu p50 %7.2f ms  %8.1f KB" %
                  (series, label[-60:], pct(cpu, 50), size / 1024.0))
    if a.dump:
        os.makedirs(a.dump, exist_ok=True)
        for series, items in dumped.items():
            name = re.sub(r"[^A-Za-z0-9]+", "_", series).strip("_") + ".jsonl"
            with open(os.path.join(a.dump, name), "w") as f:
                for label, res in items:
                    f.write(json.dumps({"request": label, "result": res}, sort_keys=True,
                                       ensure_ascii=False) + "\n")


def compare(d1, d2):
    """the replies dumped by two runs, compared as JSON values; exit status 1 on a difference"""
    bad = 0
    names = sorted(set(os.listdir(d1)) | set(os.listdir(d2)))
    for n in names:
        try:
            a = [json.loads(x) for x in open(os.path.join(d1, n))]
            b = [json.loads(x) for x in open(os.path.join(d2, n))]
        except OSError as e:
            print("%s: %s" % (n, e))
            bad += 1
            continue
        same = sum(1 for x, y in zip(a, b) if x == y)
        if len(a) != len(b) or same != len(a):
            bad += 1
            for x, y in zip(a, b):
                if x != y:
                    print("%s: %s differs" % (n, x["request"]))
        print("%-40s %4d replies, %4d equal" % (n, max(len(a), len(b)), same))
    return 1 if bad else 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    ap = argparse.ArgumentParser()
    ap.add_argument("bin")
    ap.add_argument("workspace", nargs="?")
    ap.add_argument("--files", type=int, default=20)
    ap.add_argument("--positions", type=int, default=60)
    ap.add_argument("--replies", action="store_true")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--dump")
    ap.add_argument("-v", "--verbose", action="store_true")
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
        if a.replies:
            replies(c, ws, a)
            c.close()
            return
        files = hdl_files(ws)
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
