"""lsp_client.py - a small Language Server Protocol client over pipes, for the end-to-end tests
of `rtlassist lsp`: Content-Length framing written here (not borrowed), requests with ids,
notifications collected while waiting, every wait bounded by a deadline."""
import json
import os
import select
import subprocess
import time


class LspError(Exception):
    pass


checks = 0  # checks passed so far (check)


def check(cond, what):
    """counts a passed check; a failed one ends the test with "FAIL: what" """
    global checks
    if not cond:
        raise SystemExit("FAIL: " + what)
    checks += 1


class Client:
    def __init__(self, argv, cwd=None, env=None, stderr=None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=stderr if stderr is not None else subprocess.DEVNULL,
                                     cwd=cwd, env=env)
        self.buf = b""
        self.next_id = 1
        self.notifications = []
        self.responses = {}

    # ---- raw bytes -------------------------------------------------------------------------
    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def frame(self, obj):
        body = json.dumps(obj).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    def send(self, obj):
        self.send_raw(self.frame(obj))

    def _read_some(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise LspError("timed out waiting for the server")
        r, _, _ = select.select([self.proc.stdout], [], [], left)
        if not r:
            raise LspError("timed out waiting for the server")
        chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
        if not chunk:
            raise LspError("server closed its output (exit code %s)" % self.proc.poll())
        self.buf += chunk

    def read_message(self, deadline):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                header = self.buf[:end].decode("ascii")
                length = None
                for line in header.split("\r\n"):
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                if length is None:
                    raise LspError("server sent a header without Content-Length: %r" % header)
                if len(self.buf) >= end + 4 + length:
                    body = self.buf[end + 4:end + 4 + length]
                    self.buf = self.buf[end + 4 + length:]
                    return json.loads(body)
            self._read_some(deadline)

    # ---- JSON-RPC --------------------------------------------------------------------------
    def request_async(self, method, params=None):
        rid = self.next_id
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def wait_response(self, rid, timeout=20):
        deadline = time.monotonic() + timeout
        while rid not in self.responses:
            msg = self.read_message(deadline)
            self._dispatch(msg)
        return self.responses.pop(rid)

    def _dispatch(self, msg):
        if "method" in msg and "id" in msg:
            # a request from the server (workDoneProgress/create): answer it
            self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            self.notifications.append(msg)
        elif "method" in msg:
            self.notifications.append(msg)
        else:
            self.responses[msg.get("id")] = msg

    def request(self, method, params=None, timeout=20):
        """the result; raises LspError on an error reply"""
        reply = self.wait_response(self.request_async(method, params), timeout)
        if "error" in reply:
            raise LspError("%s: %s" % (method, reply["error"]))
        return reply.get("result")

    def request_full(self, method, params=None, timeout=20):
        return self.wait_response(self.request_async(method, params), timeout)

    def notify(self, method, params=None):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def wait_notification(self, pred, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            for i, n in enumerate(self.notifications):
                if pred(n):
                    return self.notifications.pop(i)
            self._dispatch(self.read_message(deadline))

    def drain(self, seconds=0.0):
        """reads whatever the server sent within `seconds`"""
        deadline = time.monotonic() + seconds
        try:
            while True:
                self._dispatch(self.read_message(deadline))
        except LspError:
            pass

    def initialize(self, root, utf8=False, progress=True):
        caps = {"window": {"workDoneProgress": progress},
                "textDocument": {"completion": {"completionItem": {"snippetSupport": True}},
                                 "documentSymbol": {"hierarchicalDocumentSymbolSupport": True}}}
        if utf8:
            caps["general"] = {"positionEncodings": ["utf-8", "utf-16"]}
        result = self.request("initialize", {"processId": os.getpid(),
                                             "rootUri": "file://" + root,
                                             "capabilities": caps})
        self.notify("initialized", {})
        return result

    def wait_indexed(self, timeout=120):
        """waits for the end of the first index run (work-done progress)"""
        return self.wait_notification(
            lambda n: n.get("method") == "$/progress" and n["params"]["value"]["kind"] == "end",
            timeout)

    def close(self, timeout=10):
        try:
            self.request("shutdown", timeout=timeout)
            self.notify("exit")
        except (LspError, BrokenPipeError):
            pass
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise LspError("server did not exit after shutdown/exit")
