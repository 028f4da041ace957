#!/usr/bin/env python3
"""bench_daemon.py - the daemon's latencies on a large workspace. Figures are printed, never
asserted.

  bench_daemon.py RTLASSIST [SOURCE]

SOURCE (default /work/bench/opentitan) is copied to a scratch folder without its state and
.git. Then, against `rtlassist serve` on the copy, over the daemon's socket:
  1. queries during the first full index: workspace/symbol, textDocument/definition,
     rtlassist/search and a command-line search (rtlassist/run: the daemon's warm searcher) in
     a loop on one session while the writer indexes; p50/p99/max latency;
  2. save -> visible: a new module appended to a file (written, then didSave as an editor
     does; the watcher sees the write too), then workspace/symbol polled every millisecond
     until it finds the module: time from the save to the first answer that has it, and to
     the first go-to-definition on a use of it that lands in the file;
  3. command-line traces (rtlassist/run, as `rtlassist trace` sends them): the drivers of 5
     ports in each of 10 modules (seeded choice), all hops, then the same 50 again; latency
     and the daemon's CPU time per round. The daemon keeps one graph handle for them, so a
     trace reuses what earlier ones read of the units they share."""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from daemon_common import Raw  # noqa: E402

BIN = sys.argv[1]
SRC = sys.argv[2] if len(sys.argv) > 2 else "/work/bench/opentitan"


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))]


work = tempfile.mkdtemp(prefix="bench_daemon_")
ws = os.path.join(work, "ws")
shutil.copytree(SRC, ws, ignore=shutil.ignore_patterns(".git", ".rtlassist"))
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))
nfiles = sum(1 for d, _, fs in os.walk(ws) for f in fs if f.endswith((".sv", ".v", ".svh", ".vh", ".vhd")))
print("workspace: %s (%d HDL files)" % (SRC, nfiles))
proc = subprocess.Popen([BIN, "serve", "-C", ws], env=env, stderr=subprocess.DEVNULL)
sock = os.path.join(ws, ".rtlassist", "daemon.sock")
while not os.path.exists(sock):
    time.sleep(0.01)
c = Raw.unix(sock, timeout=None)
c.result("initialize", {"processId": None, "rootUri": None,
                      "capabilities": {"general": {"positionEncodings": ["utf-8"]}}})

# ---- 1. queries during the full index --------------------------------------------------
# a use of a unit defined in another file: definition goes to the store
target = None
for d, _, fs in sorted(os.walk(ws)):
    for f in sorted(fs):
        if target or not f.endswith(".sv"):
            continue
        for ln, text in enumerate(open(os.path.join(d, f), errors="replace")):
            m = text.strip().split()
            if len(m) >= 2 and m[0].startswith("prim_") and m[1].startswith("u_"):
                target = {"uri": "file://" + os.path.join(d, f),
                          "range": {"start": {"line": ln, "character": text.index(m[0])}}}
                break
sym, dfn, srch, cli = [], [], [], []
t_start = time.monotonic()
while True:
    st = c.result("rtlassist/status")
    if st["state"] == "idle" and not st["queued"] and st["full_runs"] >= 1:
        break
    t = time.monotonic()
    c.result("workspace/symbol", {"query": "uart"})
    sym.append(time.monotonic() - t)
    t = time.monotonic()
    c.result("rtlassist/search", {"query": "uart transmit fifo", "top": 10})
    srch.append(time.monotonic() - t)
    t = time.monotonic()
    c.result("rtlassist/run", {"argv": ["search", "uart transmit fifo"]})
    cli.append(time.monotonic() - t)
    if target:
        t = time.monotonic()
        c.result("textDocument/definition", {"textDocument": {"uri": target["uri"]},
                                           "position": target["range"]["start"]})
        dfn.append(time.monotonic() - t)
index_s = time.monotonic() - t_start
print("full index: %.1f s, %s" % (index_s, st["last_run"]))
for name, v in (("workspace/symbol", sym), ("definition", dfn), ("rtlassist/search", srch),
                ("CLI search (run)", cli)):
    if v:
        print("during the index, %-17s n=%d p50 %.1f ms p99 %.1f ms max %.1f ms" % (
            name, len(v), pct(v, .5) * 1e3, pct(v, .99) * 1e3, max(v) * 1e3))

# ---- 2. save -> visible ------------------------------------------------------------------
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(ws) if ".rtlassist" not in d
               for f in fs if f.endswith(".sv"))
files = sorted(files, key=os.path.getsize)[len(files) // 2:][:20]  # middle-sized files
seen, nav = [], []
for i, path in enumerate(files):
    name = "bench_saved_%d" % i
    uri = "file://" + path
    with open(path, "a") as f:
        f.write("\nmodule %s; endmodule\n" % name)
    t0 = time.monotonic()
    c.send({"jsonrpc": "2.0", "method": "textDocument/didSave",
            "params": {"textDocument": {"uri": uri}}})
    while not c.result("workspace/symbol", {"query": name}):
        time.sleep(0.001)
    seen.append(time.monotonic() - t0)
    # navigation: the definition of the module's name at its declaration
    line = sum(1 for _ in open(path)) - 1
    while True:
        r = c.result("textDocument/definition", {"textDocument": {"uri": uri},
                                                 "position": {"line": line, "character": 8}})
        if r:
            break
        time.sleep(0.001)
    nav.append(time.monotonic() - t0)
print("save -> workspace/symbol sees it: n=%d p50 %.0f ms max %.0f ms" % (
    len(seen), pct(seen, .5) * 1e3, max(seen) * 1e3))
print("save -> definition answers:       n=%d p50 %.0f ms max %.0f ms" % (
    len(nav), pct(nav, .5) * 1e3, max(nav) * 1e3))

# ---- 3. command-line traces --------------------------------------------------------------


def cpu_s(pid):
    f = open("/proc/%d/stat" % pid).read().split(")")[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


db = sqlite3.connect(os.path.join(ws, ".rtlassist", "index.db"))
mods = db.execute("SELECT u.id, u.name FROM symbols u WHERE u.kind = 'module' AND (SELECT"
                  " count(*) FROM symbols p WHERE p.unit_id = u.id AND p.kind = 'port') >= 8"
                  " ORDER BY u.name").fetchall()
rnd = random.Random(5)
traces = []
for uid, unit in rnd.sample(mods, min(10, len(mods))):
    ports = [r[0] for r in db.execute("SELECT name FROM symbols WHERE unit_id = ? AND"
                                      " kind = 'port' ORDER BY line", (uid,))]
    traces += [(unit, p) for p in rnd.sample(ports, 5)]
db.close()
for round_ in ("first", "again"):
    lat, c0 = [], cpu_s(proc.pid)
    for unit, port in traces:
        t = time.monotonic()
        c.result("rtlassist/run", {"argv": ["trace", port, "--unit", unit, "--drivers",
                                            "--depth", "0"]})
        lat.append(time.monotonic() - t)
    print("CLI trace (run), %-5s n=%d p50 %.1f ms p99 %.1f ms max %.1f ms, daemon CPU %.2f s"
          % (round_, len(lat), pct(lat, .5) * 1e3, pct(lat, .99) * 1e3, max(lat) * 1e3,
             cpu_s(proc.pid) - c0))
proc.send_signal(signal.SIGTERM)
proc.wait()
runs = [float(line.split(" in ")[1].split(" s")[0]) for line in
        open(os.path.join(ws, ".rtlassist", "daemon.log")) if "file run: indexed" in line]
if runs:
    print("file runs in the daemon: n=%d p50 %.0f ms max %.0f ms" % (
        len(runs), pct(runs, .5) * 1e3, max(runs) * 1e3))
shutil.rmtree(work, ignore_errors=True)
