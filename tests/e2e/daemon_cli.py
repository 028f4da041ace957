"""daemon_cli.py - the daemon's command-line and network side, against the real binary. Every
wait has a deadline.

1. The query commands (search, find, hierarchy, trace, explain) print the same bytes (stdout)
   and exit codes whether the daemon answers them or they read the index themselves
   (--no-daemon), on the fixture design; the daemon counts the runs it did (status.cli_runs).
   After an edit and a re-index through the daemon, its answers (search, and trace and
   hierarchy from the graph handle it keeps between commands) show the edit, as the direct
   path's do.
2. TCP: no listener by default; `daemon.tcp` without a token refuses to start; a TCP session
   without the token or with a wrong one is refused with an error reply and closed; with the
   right token it is served (initialize, a request).
3. Autostart: `rtlassist lsp` starts the daemon when none runs (daemon.autostart, default 1),
   attaches to it, and that daemon exits by itself after daemon.idle_exit_s without sessions.
4. `rtlassist index` while a daemon serves the workspace asks the daemon and waits for its run.
Usage: daemon_cli.py RTLASSIST SOURCE_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_common import Raw, daemons, done, fail, ok, pid_alive, wait_until  # noqa: E402
import daemon_common  # noqa: E402
from lsp_client import Client  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp()
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))
env.pop("RTLASSIST_TOKEN", None)
fixtures = os.path.join(work, "fixtures")
for d in ("sv", "vhdl"):
    shutil.copytree(os.path.join(SRC, "tests/fixtures", d), os.path.join(fixtures, d))


def run(*args, ws, e=None):
    return subprocess.run([BIN, *args, "-C", ws], capture_output=True, env=e or env,
                          timeout=120)


def status(ws):
    return daemon_common.status(BIN, ws, env)


def make_ws(name, config=""):
    return daemon_common.make_ws(os.path.join(work, name), fixtures, config)


# ---- 1. the query commands through the daemon ----------------------------------------------
ws = make_ws("ws", "[daemon]\nwatch = 0\n")
if run("index", ws=ws).returncode != 0:
    fail("index")
p = run("serve", "--detach", ws=ws)
if p.returncode != 0:
    fail("serve --detach: %s" % p.stderr)
st = status(ws)
daemons.append(st["pid"])
if st.get("tcp") is not None:
    fail("a TCP listener without daemon.tcp: %s" % st.get("tcp"))
ok()
wait_until(lambda: (lambda s: s["state"] == "idle" and not s["queued"])(status(ws)), "idle")
cases = [
    ["search", "fifo"], ["search", "fifo", "--json"], ["search", "write pointer", "--top", "3"],
    ["search", "fifo", "--kind", "signature", "--path", "*.sv"], ["search", "the"],
    ["find", "fifo"], ["find", "fifo", "--json"], ["find", "clk", "--refs"],
    ["find", "nosuch_name"], ["find", "--kind", "bogus", "x"],
    ["hierarchy"], ["hierarchy", "--json"], ["hierarchy", "--depth", "1"],
    ["trace", "--unit", "fifo", "--domains"], ["trace", "--unit", "fifo", "--domains", "--json"],
    ["trace", "--unit", "nosuch", "--domains"],
    ["trace", "dout", "--unit", "top", "--drivers", "--depth", "0"],
    ["trace", "dout", "--unit", "top", "--drivers", "--depth", "0", "--json"],
    ["trace", "din", "--unit", "top", "--loads", "--depth", "2"],
    ["trace", "push", "--unit", "fifo", "--loads", "--cone", "--limit", "2"],
    ["trace", "nosuch_signal", "--unit", "top", "--drivers"],
    ["hierarchy", "top"], ["hierarchy", "top", "--json"], ["hierarchy", "Top", "--depth", "1"],
    ["explain", "fifo"], ["explain", "fifo", "--json"], ["explain", "nosuch_unit"],
    ["search", "--help"],
]
before = status(ws)["cli_runs"]
for args in cases:
    d = run(*args, ws=ws)
    n = run(*args, "--no-daemon", ws=ws)
    if d.stdout != n.stdout or d.returncode != n.returncode:
        fail("%s: daemon and direct differ: exit %d/%d\n--- daemon\n%s\n--- direct\n%s" %
             (args, d.returncode, n.returncode, d.stdout[:2000], n.stdout[:2000]))
    if d.stderr != n.stderr:
        fail("%s: stderr differs: %r vs %r" % (args, d.stderr, n.stderr))
    ok()
runs = status(ws)["cli_runs"] - before
if runs != len(cases) - 1:  # --help is answered here
    fail("the daemon ran %d of %d commands" % (runs, len(cases) - 1))
ok()
# the answers follow the index: a new file is found through the daemon after a reindex, and
# the graph handle it kept from the commands above forgets what it read: of the files edited,
# and of vhdl/top.vhd, unchanged, whose components sync_ff now bind the new file's module
graph_cases = [  # each with what it shows after the edit only
    (["trace", "dout", "--unit", "top", "--drivers", "--depth", "0"], b"count  (fifo at u_named)"),
    (["trace", "irq", "--unit", "Top", "--drivers", "--depth", "0"],
     b"d  (sync_ff at gen_sync.u_irq)"),
    (["hierarchy", "top"], b"u_late : late_unit_xyz"),
    (["hierarchy", "Top"], b"u_sync : sync_ff  [component, systemverilog]"),
    (["hierarchy", "--json"], b'"late_unit_xyz"'),
]
graph_before = [run(*args, ws=ws).stdout for args, _ in graph_cases]
with open(os.path.join(ws, "sv", "late_unit.sv"), "w") as f:
    f.write("module late_unit_xyz(input logic clk);\nendmodule\n"
            "module sync_ff(input logic clk, input logic d, output logic q);\n"
            "  always_ff @(posedge clk) q <= d;\nendmodule\n")
for name, old, new in (("fifo.sv", "dout = mem[0];", "dout = mem[0] ^ count;"),
                       ("top.sv", "  initial state", "  late_unit_xyz u_late (.clk);\n  initial state")):
    path = os.path.join(ws, "sv", name)
    text = open(path).read()
    if old not in text:
        fail("the fixture %s changed: no %r in it" % (name, old))
    with open(path, "w") as f:
        f.write(text.replace(old, new, 1))
runs0 = (lambda s: s["full_runs"] + s["file_runs"])(status(ws))
if run("index", ws=ws).returncode != 0:  # a daemon serves: it indexes
    fail("index with a daemon")
if (lambda s: s["full_runs"] + s["file_runs"])(status(ws)) <= runs0:
    fail("rtlassist index did not go through the daemon")
ok()
d = run("search", "late_unit_xyz", ws=ws)
n = run("search", "late_unit_xyz", "--no-daemon", ws=ws)
if b"late_unit.sv" not in d.stdout or d.stdout != n.stdout:
    fail("search after a run: %r vs %r" % (d.stdout, n.stdout))
ok()
for (args, want), old in zip(graph_cases, graph_before):
    d = run(*args, ws=ws)
    n = run(*args, "--no-daemon", ws=ws)
    if d.stdout != n.stdout or d.returncode != n.returncode:
        fail("%s after a run: daemon and direct differ:\n--- daemon\n%s\n--- direct\n%s" %
             (args, d.stdout[:2000], n.stdout[:2000]))
    if want not in d.stdout or d.stdout == old:
        fail("%s after a run: the edit is not seen (no %r):\n%s" % (args, want, d.stdout[:2000]))
    ok()
run("stop", ws=ws)
wait_until(lambda: not pid_alive(st["pid"]), "the daemon to stop")
# without a daemon the commands read the index themselves
if run("find", "fifo", ws=ws).returncode != 0:
    fail("find without a daemon")
ok()

# ---- 2. TCP only with a token ----------------------------------------------------------------
with open(os.path.join(ws, ".rtlassist.toml"), "w") as f:
    f.write('[daemon]\nwatch = 0\ntcp = "127.0.0.1:0"\n')
p = run("serve", "--detach", ws=ws)
if p.returncode == 0 or b"RTLASSIST_TOKEN" not in p.stderr:
    fail("daemon.tcp without a token: exit %d, %s" % (p.returncode, p.stderr))
ok()
token = "t0ken-" + os.urandom(12).hex()
tenv = dict(env, RTLASSIST_TOKEN=token)
p = run("serve", "--detach", ws=ws, e=tenv)
if p.returncode != 0:
    fail("serve with a token: %s" % p.stderr)
st = status(ws)
daemons.append(st["pid"])
host, port = st["tcp"].rsplit(":", 1)
if host != "127.0.0.1" or not int(port):
    fail("tcp address %s" % st["tcp"])
ok()


def tcp_init(opts):
    c = Raw.tcp(host, port)
    params = {"processId": None, "rootUri": None, "capabilities": {}}
    if opts is not None:
        params["initializationOptions"] = opts
    return c, c.call("initialize", params)


for opts, what in ((None, "no token"), ({"token": token[:-1] + "x"}, "a wrong token"),
                   ({"token": token + "x"}, "a longer token"), ({"token": ""}, "an empty token")):
    c, r = tcp_init(opts)
    if not r or "error" not in r or "result" in r:
        fail("TCP with %s: %s" % (what, r))
    if not c.closed():
        fail("TCP with %s: the connection stays open" % what)
    c.close()
    ok()
c = Raw.tcp(host, port)  # another method first
r = c.call("rtlassist/status")
if not r or "error" not in r or not c.closed():
    fail("TCP without initialize: %s" % r)
c.close()
ok()
c, r = tcp_init({"token": token})
if not r or "result" not in r or "capabilities" not in r["result"]:
    fail("TCP with the token: %s" % r)
c.send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
r = c.call("rtlassist/status")
if not r or r.get("result", {}).get("pid") != st["pid"]:
    fail("a request over TCP: %s" % r)
r = c.call("rtlassist/run", {"argv": ["find", "fifo"]})
if not r or r.get("result", {}).get("stdout", "").encode() != run("find", "fifo", "--no-daemon",
                                                                   ws=ws).stdout:
    fail("rtlassist/run over TCP: %s" % r)
c.close()
ok()
log = open(os.path.join(ws, ".rtlassist", "daemon.log")).read()
if "wrong token" not in log or token in log:
    fail("the log must name refusals and never the token")
ok()
run("stop", ws=ws)
wait_until(lambda: not pid_alive(st["pid"]), "the TCP daemon to stop")

# ---- 3. autostart and idle exit ----------------------------------------------------------------
ws3 = make_ws("ws3", "[daemon]\nidle_exit_s = 2\nwatch = 0\n")
aenv = dict(env)
aenv.pop("RTLASSIST_AUTOSTART", None)  # CTest turns autostart off for every other test
c = Client([BIN, "lsp", "-C", ws3], env=aenv)
c.initialize(ws3)
st = wait_until(lambda: status(ws3), "the autostarted daemon")
daemons.append(st["pid"])
if st["sessions"] < 2:  # the editor's and this status call
    fail("the editor is not attached to the daemon: %s" % st)
ok()
time.sleep(3)  # longer than idle_exit_s: a daemon with a session must stay
if not pid_alive(st["pid"]):
    fail("the daemon exited while an editor was attached")
ok()
c.close()
wait_until(lambda: not pid_alive(st["pid"]), "the idle daemon to exit", 30)
if os.path.exists(os.path.join(ws3, ".rtlassist", "daemon.sock")):
    fail("the idle daemon left its socket")
log = open(os.path.join(ws3, ".rtlassist", "daemon.log")).read()
if "no session for 2 s: exiting" not in log:
    fail("idle exit not logged: " + log[-400:])
ok()
# daemon.autostart = 0 (here through the environment): the editor is served in-process
nenv = dict(aenv, RTLASSIST_AUTOSTART="0")
c = Client([BIN, "lsp", "-C", ws3], env=nenv)
c.initialize(ws3)
if status(ws3) is not None:
    fail("a daemon started although autostart is off")
c.close()
ok()
# --no-daemon: the same, whatever the setting says
c = Client([BIN, "lsp", "-C", ws3, "--no-daemon"], env=aenv)
c.initialize(ws3)
if status(ws3) is not None:
    fail("a daemon started for `lsp --no-daemon`")
c.close()
ok()

shutil.rmtree(work, ignore_errors=True)
done("daemon cli e2e")
