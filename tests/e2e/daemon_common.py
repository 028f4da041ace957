"""daemon_common.py - what the daemon's end-to-end tests (daemon_e2e.py, daemon_cli.py) and its
benchmark (tests/bench/bench_daemon.py) share: counted checks whose failure kills the daemons
a test started, waits bounded by a deadline, a process's liveness, `rtlassist status`, a
workspace made from a folder, and a JSON-RPC client over the daemon's socket (Unix or TCP),
its Content-Length framing written here (not borrowed)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

daemons = []  # pids that fail() kills
_checks = 0
_t0 = time.monotonic()


def fail(msg):
    """reports a failed check, kills the daemons in `daemons` and exits 1"""
    print("FAIL: " + msg, file=sys.stderr)
    for pid in daemons:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.exit(1)


def ok():
    """counts a passed check; with RA_E2E_TIMES set, prints when it passed"""
    global _checks
    _checks += 1
    if os.environ.get("RA_E2E_TIMES"):
        print("%3d %.2f s" % (_checks, time.monotonic() - _t0))


def done(what):
    print("%s: %d checks passed" % (what, _checks))


def wait_until(pred, what, timeout=60):
    """pred's first true value, polled every 50 ms; fail() after `timeout` seconds"""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def pid_alive(pid):
    """the process runs (a zombie child counts as gone)"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def status(rtlassist, ws, env):
    """`rtlassist status --json` of the daemon serving ws, or None when none does"""
    p = subprocess.run([rtlassist, "status", "--json", "-C", ws], capture_output=True, env=env,
                       timeout=120)
    return json.loads(p.stdout) if p.returncode == 0 else None


def make_ws(ws, files_from, config=""):
    """a git work tree at ws holding a copy of files_from (without golden files and index
    state), every file added, with `config` as its .rtlassist.toml"""
    shutil.copytree(files_from, ws, ignore=shutil.ignore_patterns("*.golden", ".rtlassist"))
    with open(os.path.join(ws, ".rtlassist.toml"), "w") as f:
        f.write(config)
    subprocess.run(["git", "init", "-q", ws], check=True)
    subprocess.run(["git", "-C", ws, "add", "-A"], check=True)
    return ws


def frame(obj):
    body = json.dumps(obj).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Raw:
    """a JSON-RPC client over a connected stream socket"""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""
        self.id = 0

    @classmethod
    def unix(cls, path, timeout=20):
        """connected to the daemon's Unix socket; timeout None: wait as long as it takes"""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(path)
        return cls(s)

    @classmethod
    def tcp(cls, host, port, timeout=20):
        return cls(socket.create_connection((host, int(port)), timeout=timeout))

    def send(self, obj):
        self.s.sendall(frame(obj))

    def read_message(self):
        """the next message, or None when the peer closed the connection first"""
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                n = int(self.buf[:end].split(b":")[1])
                if len(self.buf) >= end + 4 + n:
                    msg = json.loads(self.buf[end + 4:end + 4 + n])
                    self.buf = self.buf[end + 4 + n:]
                    return msg
            chunk = self.s.recv(1 << 20)
            if not chunk:
                return None
            self.buf += chunk

    def call(self, method, params=None):
        """the reply (the whole message) to a request, messages before it skipped; None when
        the peer closed the connection first"""
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method,
                   "params": params if params is not None else {}})
        while True:
            msg = self.read_message()
            if msg is None or (msg.get("id") == self.id and "method" not in msg):
                return msg

    def result(self, method, params=None):
        """the result of a request (None for an error reply)"""
        return (self.call(method, params) or {}).get("result")

    def closed(self, timeout=10):
        """the peer closes the connection (after whatever else it sends) within timeout"""
        self.s.settimeout(timeout)
        try:
            while self.s.recv(65536):
                pass
        except (ConnectionResetError, socket.timeout):
            return False
        return True

    def close(self):
        self.s.close()
