"""lsp_complete.py - end-to-end: model completion through `rtlassist lsp` against the loopback
model server (tests/tools/model_server.py, llama.cpp /infill): the request the model received
holds the instantiated unit's ports from another file; the inline item comes back
post-processed; ordinary completion then carries the same suggestion; `$/cancelRequest` ends a
slow generation; a failing model gives a clear error, never a hang; a model named by the
editor's initializationOptions.settings serves a client that only uses ordinary completion.
Usage: lsp_complete.py RTLASSIST SOURCE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lsp_client import Client, check  # noqa: E402

RTL, SRC = sys.argv[1], sys.argv[2]
FILES = ["top.sv", "fifo.sv", "fix_pkg.sv", "defs.svh", "bus_if.sv"]


def workspace(tmp, name, url):
    root = os.path.join(tmp, name)
    os.makedirs(root)
    for f in FILES:
        shutil.copy(os.path.join(SRC, "tests/fixtures/sv", f), root)
    with open(os.path.join(root, ".rtlassist.toml"), "w") as f:
        f.write('[complete]\nprovider = "llamacpp"\nurl = "%s"\nmodel = "m"\n'
                'retries = 0\ntimeout_ms = 20000\ndebounce_ms = 50\n' % url)
    return root


def session(root):
    c = Client([RTL, "lsp", "-C", root], cwd=root)
    caps = c.initialize(root, utf8=True)["capabilities"]
    check("inlineCompletionProvider" in caps, "inlineCompletionProvider advertised")
    c.wait_indexed()
    return c


def open_doc(c, root, text):
    uri = "file://" + os.path.join(root, "top.sv")
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "systemverilog",
                                                       "version": 1, "text": text}})
    return uri


def position_after(text, mark):
    off = text.index(mark) + len(mark)
    line = text.count("\n", 0, off)
    return {"line": line, "character": off - (text.rfind("\n", 0, off) + 1)}


def main():
    tmp = tempfile.mkdtemp(prefix="ra_e2e_complete_")
    log = os.path.join(tmp, "requests.jsonl")
    srv = subprocess.Popen([sys.executable, os.path.join(SRC, "tests/tools/model_server.py"),
                            "--port", "0", "--log", log, "--exit-on-eof", "--slow", "30"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    port = int(srv.stdout.readline())
    base = "http://127.0.0.1:%d" % port
    top = open(os.path.join(SRC, "tests/fixtures/sv/top.sv")).read()
    # the model server answers <<reply:TEXT>> found in the prefix with TEXT
    text = top.replace("  // named connections with parameter overrides by name",
                       "  // <<reply:din_q[7:0]),\\n      .push (push),>>")
    try:
        # ---- a model that answers --------------------------------------------------------
        root = workspace(tmp, "ok", base)
        c = session(root)
        uri = open_doc(c, root, text)
        pos = position_after(text, ".din  (")
        params = {"textDocument": {"uri": uri}, "position": pos, "context": {"triggerKind": 1}}
        t0 = time.monotonic()
        res = c.request("textDocument/inlineCompletion", params, timeout=30)
        check(res["items"], "an inline item: %r" % res)
        item = res["items"][0]
        # post-processed: one line, the `),` the buffer already has after the cursor dropped
        check(item["insertText"] == "din_q[7:0]", "post-processed text: %r" % item["insertText"])
        check(item["range"]["start"] == pos, "range at the cursor: %r" % item["range"])
        reqs = [json.loads(l) for l in open(log)]
        infill = [r for r in reqs if r["path"].endswith("/infill")]
        check(infill, "the model server got an /infill request")
        extra = infill[-1]["body"]["input_extra"]
        fifo = [e for e in extra if e["filename"] == "fifo.sv"]
        check(fifo and "output logic [W-1:0] dout" in fifo[0]["text"],
              "fifo's ports from another file in the request: %r" % extra)
        check(extra[0]["filename"] == "fifo.sv", "the instantiated unit first: %r" % extra)
        # the same prompt again: from the cache, the model is not asked twice
        n_before = len(open(log).readlines())
        res2 = c.request("textDocument/inlineCompletion", params, timeout=30)
        check(res2 == res, "cached reply equal")
        check(len(open(log).readlines()) == n_before, "cache hit did not reach the model")
        # ordinary completion at that position carries the model's suggestion
        comp = c.request("textDocument/completion", {"textDocument": {"uri": uri},
                                                     "position": pos})
        model_items = [i for i in comp["items"] if i.get("detail", "").startswith("model:")]
        check(model_items and model_items[0]["textEdit"]["newText"] == "din_q[7:0]",
              "model item in completion: %r" % model_items)
        check(c.close() == 0, "clean exit")

        # ---- the editor names the model (initializationOptions.settings); a client without
        # inline completion gets the suggestion through ordinary completion alone -----------
        root = os.path.join(tmp, "editor")
        os.makedirs(root)
        for f in FILES:
            shutil.copy(os.path.join(SRC, "tests/fixtures/sv", f), root)
        errf = open(os.path.join(tmp, "editor.err"), "w+b")
        c = Client([RTL, "lsp", "-C", root], cwd=root, stderr=errf)
        init = c.request("initialize", {
            "processId": os.getpid(), "rootUri": "file://" + root,
            "capabilities": {"window": {"workDoneProgress": True}},
            "initializationOptions": {"settings": {
                "complete.provider": "llamacpp", "complete.url": base, "complete.model": "m",
                "complete.retries": 0, "complete.debounce_ms": 20,
                "index.threads": 1}}})
        c.notify("initialized", {})
        check("inlineCompletionProvider" in init["capabilities"],
              "a model named by the editor's settings is used")
        c.wait_indexed()
        uri = open_doc(c, root, text)
        n_before = len(open(log).readlines())
        cpos = {"textDocument": {"uri": uri}, "position": pos}
        first = c.request("textDocument/completion", cpos)
        check(first["isIncomplete"], "incomplete while the model works: %r" % first)
        got = None
        for _ in range(100):  # the client asks again, as an incomplete list makes it do
            time.sleep(0.05)
            comp = c.request("textDocument/completion", cpos)
            got = [i for i in comp["items"] if i.get("detail", "").startswith("model:")]
            if got:
                break
        check(got and got[0]["textEdit"]["newText"] == "din_q[7:0]",
              "ordinary completion alone brought the model's suggestion: %r" % got)
        check(len(open(log).readlines()) == n_before + 1, "one model request")
        c.close()
        errf.seek(0)
        err = errf.read().decode(errors="replace")
        check("'index.threads' ignored" in err, "an index setting from the editor is refused: "
              + err[-500:])

        # ---- a slow model: $/cancelRequest ends the request --------------------------------
        root = workspace(tmp, "slow", base + "/_b/slow")
        c = session(root)
        uri = open_doc(c, root, text)
        rid = c.request_async("textDocument/inlineCompletion",
                              {"textDocument": {"uri": uri}, "position": pos,
                               "context": {"triggerKind": 1}})
        time.sleep(0.3)  # let the job reach the model (the reply is 30 s away)
        t0 = time.monotonic()
        c.notify("$/cancelRequest", {"id": rid})
        reply = c.wait_response(rid, timeout=10)
        check(reply.get("error", {}).get("code") == -32800, "cancelled: %r" % reply)
        check(time.monotonic() - t0 < 5, "cancel took %.1f s" % (time.monotonic() - t0))
        # navigation answered meanwhile is covered by the gen_job tests; exit cleanly
        check(c.close() == 0, "clean exit after cancel")

        # ---- a failing model: a clear error, quickly -----------------------------------------
        root = workspace(tmp, "fail", base + "/_b/500always")
        c = session(root)
        uri = open_doc(c, root, text)
        reply = c.request_full("textDocument/inlineCompletion",
                               {"textDocument": {"uri": uri}, "position": pos,
                                "context": {"triggerKind": 1}}, timeout=30)
        err = reply.get("error")
        check(err and "completion model" in err["message"], "clear error: %r" % reply)
        check(c.close() == 0, "clean exit after a failing model")
    finally:
        srv.stdin.close()
        srv.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


main()
