"""daemon_cli.py - the daemon's command-line and network side, against the real binary. Every
wait has a deadline.

1. The query commands (search, find, hierarchy, trace, explain) print the same bytes (stdout)
   and exit codes whether the daemon answers them or they read the index themselves
   (--no-daemon), on the fixture design; the daemon counts the runs it did (status.cli_runs).
2. TCP: no listener by default; `daemon.tcp` without a token refuses to start; a TCP session
   without the token or with a wrong one is refused with an error reply and closed; with the
   right token it is served (initialize, a request).
3. Autostart: `rtlassist lsp` starts the daemon when none runs (daemon.autostart, default 1),
   attaches to it, and that daemon exits by itself after daemon.idle_exit_s without sessions.
4. `rtlassist index` while a daemon serves the workspace asks the daemon and waits for its run.
Usage: daemon_cli.py RTLASSIST SOURCE_DIR"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import Client  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp()
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))
env.pop("RTLASSIST_TOKEN", None)
checks = 0
daemons = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    for pid in daemons:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.exit(1)


def ok():
    global checks
    checks += 1


def run(*args, ws, e=None):
    return subprocess.run([BIN, *args, "-C", ws], capture_output=True, env=e or env,
                          timeout=120)


def status(ws):
    p = run("status", "--json", ws=ws)
    return json.loads(p.stdout) if p.returncode == 0 else None


def wait_until(pred, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def make_ws(name, config=""):
    ws = os.path.join(work, name)
    os.makedirs(ws)
    for d in ("sv", "vhdl"):
        shutil.copytree(os.path.join(SRC, "tests/fixtures", d), os.path.join(ws, d),
                        ignore=shutil.ignore_patterns("*.golden"))
    with open(os.path.join(ws, ".rtlassist.toml"), "w") as f:
        f.write(config)
    subprocess.run(["git", "init", "-q", ws], check=True)
    return ws


def frame(obj):
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frame(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    n = int(head.split(b":")[1])
    while len(rest) < n:
        chunk = s.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return json.loads(rest[:n])


def read_reply(s, want_id):
    while True:
        m = read_frame(s)
        if m is None or (m.get("id") == want_id and "method" not in m):
            return m


def closed(s):
    """the peer closed the connection (after whatever it sent)"""
    s.settimeout(10)
    try:
        while s.recv(65536):
            pass
    except (ConnectionResetError, socket.timeout):
        return False
    return True


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
# the answers follow the index: a new file is found through the daemon after a reindex
with open(os.path.join(ws, "sv", "late_unit.sv"), "w") as f:
    f.write("module late_unit_xyz(input logic clk);\nendmodule\n")
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
    s = socket.create_connection((host, int(port)), timeout=20)
    params = {"processId": None, "rootUri": None, "capabilities": {}}
    if opts is not None:
        params["initializationOptions"] = opts
    s.sendall(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
    return s, read_reply(s, 1)


for opts, what in ((None, "no token"), ({"token": token[:-1] + "x"}, "a wrong token"),
                   ({"token": token + "x"}, "a longer token"), ({"token": ""}, "an empty token")):
    s, r = tcp_init(opts)
    if not r or "error" not in r or "result" in r:
        fail("TCP with %s: %s" % (what, r))
    if not closed(s):
        fail("TCP with %s: the connection stays open" % what)
    s.close()
    ok()
s = socket.create_connection((host, int(port)), timeout=20)  # another method first
s.sendall(frame({"jsonrpc": "2.0", "id": 7, "method": "rtlassist/status", "params": {}}))
r = read_reply(s, 7)
if not r or "error" not in r or not closed(s):
    fail("TCP without initialize: %s" % r)
s.close()
ok()
s, r = tcp_init({"token": token})
if not r or "result" not in r or "capabilities" not in r["result"]:
    fail("TCP with the token: %s" % r)
s.sendall(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
s.sendall(frame({"jsonrpc": "2.0", "id": 2, "method": "rtlassist/status", "params": {}}))
r = read_reply(s, 2)
if not r or r.get("result", {}).get("pid") != st["pid"]:
    fail("a request over TCP: %s" % r)
s.sendall(frame({"jsonrpc": "2.0", "id": 3, "method": "rtlassist/run",
                 "params": {"argv": ["find", "fifo"]}}))
r = read_reply(s, 3)
if not r or r.get("result", {}).get("stdout", "").encode() != run("find", "fifo", "--no-daemon",
                                                                   ws=ws).stdout:
    fail("rtlassist/run over TCP: %s" % r)
s.close()
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
print("daemon cli e2e: %d checks passed" % checks)
