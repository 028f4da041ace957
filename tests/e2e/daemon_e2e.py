"""daemon_e2e.py - `rtlassist serve` against the real binary. Every wait has a deadline.

1. One daemon, two LSP clients (`rtlassist lsp` attached) and the CLI: every file parsed once
   (status.parsed_total), the same answers everywhere, a save by one client seen by the other.
2. The socket protocol: status, reindex (and its bad params), unknown methods.
3. The socket refuses another user (as root: `setpriv` to nobody, also with the socket opened
   to everyone, so SO_PEERCRED itself is tested); a second `serve` names the first and fails.
4. SIGTERM: exit 0, socket removed, lock released.
5. Files edited, added and deleted while the daemon indexes a larger tree: the final index
   equals a clean index of the same files.
6. SIGKILL at random moments during indexing, repeated: every database passes
   PRAGMA integrity_check, and the next daemon converges to the clean index.
Usage: daemon_e2e.py RTLASSIST SOURCE_DIR"""
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_common import Raw, daemons, done, fail, ok, pid_alive, wait_until  # noqa: E402
import daemon_common  # noqa: E402
from lsp_client import Client, LspError  # noqa: E402

BIN, SRC = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp()
os.chmod(work, 0o755)
env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(work, "xdg"))


def rt(*args, ws, check=True):
    p = subprocess.run([BIN, *args, "-C", ws], capture_output=True, text=True, env=env,
                       timeout=300)
    if check and p.returncode != 0:
        fail("rtlassist %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr))
    return p


def status(ws):
    return daemon_common.status(BIN, ws, env) or fail("no daemon serves " + ws)


def make_ws(name, files_from, config=""):
    return daemon_common.make_ws(os.path.join(work, name), files_from, config)


def units(ws):
    out = json.loads(rt("units", "--json", ws=ws).stdout)["units"]
    return sorted((u["name"], u["kind"], u["location"]["file"], u["location"]["line"])
                  for u in out)


# ---- 1. two editors and the CLI on one daemon ----------------------------------------------
fixtures = os.path.join(work, "fixtures")
os.makedirs(fixtures)
shutil.copytree(os.path.join(SRC, "tests/fixtures/sv"), os.path.join(fixtures, "sv"))
shutil.copytree(os.path.join(SRC, "tests/fixtures/vhdl"), os.path.join(fixtures, "vhdl"))
# saves reach the daemon through the editors only (no watching), so that is what is tested
ws = make_ws("ws", fixtures, "[daemon]\nwatch = 0\n")
nfiles = sum(1 for _, _, fs in os.walk(ws) if ".git" not in _ for f in fs
             if f.endswith((".sv", ".v", ".svh", ".vh", ".vhd", ".vhdl")))
p = rt("serve", "--detach", ws=ws)
if "serving" not in p.stderr:
    fail("serve --detach said: " + p.stderr)
ok()
st = status(ws)
daemons.append(st["pid"])
sock = os.path.join(ws, ".rtlassist", "daemon.sock")
if oct(os.stat(sock).st_mode & 0o777) != "0o600":
    fail("socket mode %o" % (os.stat(sock).st_mode & 0o777))
ok()

a = Client([BIN, "lsp", "-C", ws], env=env)
b = Client([BIN, "lsp", "-C", ws], env=env)
for c in (a, b):
    c.initialize(ws)
st = wait_until(lambda: (lambda s: s if s["state"] == "idle" and not s["queued"] else None)(
    status(ws)), "idle daemon")
if st["parsed_total"] != nfiles:
    fail("one index build: %d files parsed for %d files" % (st["parsed_total"], nfiles))
if st["sessions"] < 3:  # two editors and this status call
    fail("sessions: %s" % st["sessions"])
ok()

sa = a.request("workspace/symbol", {"query": "fifo"})
sb = b.request("workspace/symbol", {"query": "fifo"})
if not sa or sa != sb:
    fail("clients disagree on workspace/symbol: %s vs %s" % (sa, sb))
ok()
name = sa[0]["name"]
cli = json.loads(rt("find", name, "--json", ws=ws).stdout)["definitions"]
if not any(d["location"]["file"] in sa[0]["location"]["uri"] for d in cli):
    fail("the CLI disagrees about %s: %s" % (name, cli))
ok()

# an edit saved by client a is seen by client b
path = os.path.join(ws, "sv", "saved_by_a.sv")
text = "module saved_by_a_mod(input logic clk);\nendmodule\n"
with open(path, "w") as f:
    f.write(text)
uri = "file://" + path
a.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "systemverilog",
                                                   "version": 1, "text": text}})
a.notify("textDocument/didSave", {"textDocument": {"uri": uri}})
wait_until(lambda: b.request("workspace/symbol", {"query": "saved_by_a_mod"}),
           "client b to see client a's save", 20)
ok()
if not rt("find", "saved_by_a_mod", ws=ws, check=False).returncode == 0:
    fail("the CLI does not see the save")
ok()
st = status(ws)
if st["parsed_total"] != nfiles + 1:
    fail("after one save: %d files parsed in all, expected %d" % (st["parsed_total"], nfiles + 1))
ok()

# ---- 2. the socket protocol ----------------------------------------------------------------
r = Raw.unix(sock)
if r.call("rtlassist/status").get("error", {}).get("code") != -32002:
    fail("status before initialize is not -32002")
r.call("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
st = r.call("rtlassist/status")["result"]
for k in ("workspace", "pid", "socket", "state", "queued", "progress", "full_runs", "file_runs",
          "parsed_total", "sessions", "log", "last_run"):
    if k not in st:
        fail("status lacks %s: %s" % (k, st))
ok()
e = r.call("rtlassist/reindex", {"paths": "x"})
if e.get("error", {}).get("code") != -32602:
    fail("reindex with bad paths: %s" % e)
e = r.call("rtlassist/reindex", {"paths": ["../outside.sv"]})
if e.get("error", {}).get("code") != -32602:
    fail("reindex outside the workspace: %s" % e)
if r.call("rtlassist/nope").get("error", {}).get("code") != -32601:
    fail("unknown method")
runs = st["full_runs"]
if r.call("rtlassist/reindex")["result"] != {"queued": "full"}:
    fail("reindex")
wait_until(lambda: status(ws)["full_runs"] > runs, "the reindex run")
ok()
h = r.call("rtlassist/hierarchy", {})["result"]
if not h.get("roots"):
    fail("hierarchy over the socket: %s" % h)
ok()
for c in (a, b):  # every session is told about the daemon's runs ($/progress)
    c.wait_indexed(60)
ok()
r.close()
a.close()
b.close()

# ---- 3. other users; a second daemon -------------------------------------------------------
if os.geteuid() == 0 and shutil.which("setpriv"):
    probe = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\ns.settimeout(5)\n"
             "try:\n s.connect(sys.argv[1])\nexcept OSError as e:\n print('refused',e);sys.exit(0)\n"
             "b=b'{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}'\n"
             "try:\n s.sendall(b'Content-Length: %d\\r\\n\\r\\n'%len(b)+b)\n d=s.recv(100)\n"
             "except OSError as e:\n print('refused',e);sys.exit(0)\n"
             "print('refused' if not d else 'ANSWERED')\n")
    as_nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                 sys.executable, "-c", probe, sock]
    out = subprocess.run(as_nobody, capture_output=True, text=True, timeout=30).stdout
    if not out.startswith("refused"):
        fail("another user reached the daemon: %s" % out)
    ok()
    os.chmod(sock, 0o666)  # past the file mode: SO_PEERCRED must still refuse
    out = subprocess.run(as_nobody, capture_output=True, text=True, timeout=30).stdout
    os.chmod(sock, 0o600)
    if not out.startswith("refused"):
        fail("SO_PEERCRED let another user in: %s" % out)
    ok()
else:
    print("SKIP: not root (or no setpriv): the other-user check needs to switch users")

p = rt("serve", ws=ws, check=False)
pid = status(ws)["pid"]
if p.returncode == 0 or ("pid %d" % pid) not in p.stderr or sock not in p.stderr:
    fail("a second serve: exit %d, %s" % (p.returncode, p.stderr))
ok()

# ---- 4. SIGTERM ------------------------------------------------------------------------------
os.kill(pid, signal.SIGTERM)
wait_until(lambda: not pid_alive(pid), "the daemon to exit on SIGTERM", 20)
if os.path.exists(sock):
    fail("the socket outlived the daemon")
ok()
if subprocess.run(["flock", "-n", os.path.join(ws, ".rtlassist", "lock"), "true"]).returncode:
    fail("the lock outlived the daemon")
ok()
if rt("status", ws=ws, check=False).returncode != 1:
    fail("status without a daemon must exit 1")
ok()
log = open(os.path.join(ws, ".rtlassist", "daemon.log")).read()
if "SIGTERM: shutting down" not in log or "stopped" not in log:
    fail("log: " + log[-500:])
ok()

# ---- 5. edits while indexing -----------------------------------------------------------------
big_src = "/usr/share/yosys"
if not os.path.isdir(big_src):
    big_src = fixtures
big = os.path.join(work, "big_src")
# 60 files of real Verilog: a first index of a second or two on 2 cores, long enough to edit
# and kill during it
hdl = sorted(os.path.relpath(os.path.join(d, f), big_src) for d, _, fs in os.walk(big_src)
             for f in fs if f.endswith((".v", ".sv", ".vhd")))[:60]
for rel in hdl:
    os.makedirs(os.path.dirname(os.path.join(big, rel)), exist_ok=True)
    shutil.copy(os.path.join(big_src, rel), os.path.join(big, rel))
ws2 = make_ws("ws2", big, "[daemon]\ncoalesce_ms = 20\n")
proc = subprocess.Popen([BIN, "serve", "-C", ws2], env=env, stderr=subprocess.DEVNULL)
daemons.append(proc.pid)
sock2 = os.path.join(ws2, ".rtlassist", "daemon.sock")
wait_until(lambda: os.path.exists(sock2), "the second daemon's socket")
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(ws2) if ".git" not in d
               and ".rtlassist" not in d for f in fs if f.endswith(".v"))
rnd = random.Random(9)
for f in rnd.sample(files, 5):
    with open(f, "a") as fh:
        fh.write("\nmodule edited_%d; endmodule\n" % rnd.randrange(1 << 30))
for f in rnd.sample(files, 5):
    if os.path.exists(f):
        os.unlink(f)
for i in range(5):
    with open(os.path.join(ws2, "added_%d.v" % i), "w") as fh:
        fh.write("module added_%d(input a, output b); assign b = a; endmodule\n" % i)
os.makedirs(os.path.join(ws2, "newdir"))
with open(os.path.join(ws2, "newdir", "deep.v"), "w") as fh:
    fh.write("module deep_new; endmodule\n")


def clean_units(src):
    clean = os.path.join(work, "clean_%d" % rnd.randrange(1 << 30))
    shutil.copytree(src, clean, ignore=shutil.ignore_patterns(".rtlassist", ".git"))
    rt("index", ws=clean)
    return units(clean)


want = clean_units(ws2)
wait_until(lambda: units(ws2) == want, "the daemon's index to equal a clean index", 120)
ok()
proc.send_signal(signal.SIGINT)
if proc.wait(timeout=30) != 0:
    fail("SIGINT: exit %s" % proc.returncode)
ok()

# ---- 6. SIGKILL during indexing ----------------------------------------------------------------
db = os.path.join(ws2, ".rtlassist", "index.db")
for f in os.listdir(os.path.join(ws2, ".rtlassist")):
    if f.startswith("index.db"):
        os.unlink(os.path.join(ws2, ".rtlassist", f))
for round_ in range(5):
    for f in rnd.sample(files, 3):  # keep giving it work
        if os.path.exists(f):
            with open(f, "a") as fh:
                fh.write("\n// round %d\n" % round_)
    proc = subprocess.Popen([BIN, "serve", "-C", ws2], env=env, stderr=subprocess.DEVNULL)
    time.sleep(rnd.uniform(0.05, 0.8))
    proc.kill()
    proc.wait()
    if os.path.exists(db):
        res = sqlite3.connect(db).execute("PRAGMA integrity_check").fetchall()
        if res != [("ok",)]:
            fail("integrity_check after SIGKILL %d: %s" % (round_, res))
    ok()
want = clean_units(ws2)
proc = subprocess.Popen([BIN, "serve", "-C", ws2], env=env, stderr=subprocess.DEVNULL)
daemons.append(proc.pid)
wait_until(lambda: os.path.exists(sock2) and units(ws2) == want,
           "convergence after the kills", 120)
ok()
if rt("stop", ws=ws2).returncode != 0 or proc.wait(timeout=30) != 0:
    fail("rtlassist stop")
ok()

shutil.rmtree(work, ignore_errors=True)
done("daemon e2e")
