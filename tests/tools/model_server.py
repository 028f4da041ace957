#!/usr/bin/env python3
"""model_server.py - a loopback language-model server for tests (never for real use).

Speaks the real wire formats of the three providers rtlassist's model client (daemon/llm.h)
talks to, streaming and not, records every request, and misbehaves on demand.

USAGE
    python3 tests/tools/model_server.py [--port N] [--log FILE] [--exit-on-eof]
                                        [--slow SECONDS] [--trickle SECONDS]

    Binds 127.0.0.1 (port 0 = any free port) and, when ready, prints the port number alone on
    the first line of stdout (then flushes). --log FILE appends one JSON line per request
    received, written BEFORE the reply is sent, so a client that has its reply can read it:
        {"method", "path", "behavior", "headers": {lower-case name: value},
         "body": <the parsed JSON body, or null>, "raw": <the body text when not JSON>}
    GET /_requests answers the same records as a JSON array; POST /_reset forgets them.
    --exit-on-eof: exit when stdin reaches end of file (give it a pipe: the server then dies
    with the test that started it). Otherwise stop it with SIGTERM.

    Point a client at it with a base URL: e.g. in .rtlassist.toml
        [complete]
        provider = "ollama"            # or "openai", "llamacpp"
        url = "http://127.0.0.1:PORT"  # or "http://127.0.0.1:PORT/_b/429" to misbehave
        model = "m"

ENDPOINTS (POST, JSON bodies)
    OpenAI-compatible  /v1/chat/completions {model, messages, stream, max_tokens, stop, ...}
                       /v1/completions      {model, prompt, suffix?, stream, max_tokens, ...}
                       streaming: SSE "data: {chunk}" lines, then "data: [DONE]"
    Ollama             /api/generate {model, prompt, suffix?, raw?, stream, options}
                       /api/chat     {model, messages, stream, options}
                       streaming: NDJSON, the last object with "done": true
                       (Ollama streams when "stream" is absent, like the real server)
    llama.cpp          /infill     {input_prefix, input_suffix, input_extra: [{filename, text}],
                                    n_predict, stream, ...}
                       /completion {prompt, n_predict, stream, ...}
                       streaming: SSE "data: {"content": ..., "stop": false}", the last chunk
                       with "stop": true
    GET /v1/models, /api/tags, /health answer 200 (for "is it up" checks).

THE REPLY TEXT is deterministic and derived from the request:
    - If the prompt (FIM: prompt or input_prefix; chat: the last message) contains
      <<reply:TEXT>>, the reply is TEXT exactly (\\n in TEXT is a newline, \\\\ a backslash).
    - FIM requests (/v1/completions, /api/generate, /infill, and /completion when its prompt
      has a path line): "files=" + the context file names the server found, comma-separated
      (llama.cpp /infill: the input_extra filenames; others: the "// Path: X" / "-- Path: X"
      lines of the prompt, in order, the edited file's own path line included as the last).
    - chat requests: "echo: " + the first 60 characters of the last message's content
      (llama.cpp /completion: of the prompt).
    Streamed, the text is split into pieces after each space (so "a b c" is "a ", "b ", "c").
    A stop string in the request cuts the text where it first occurs; max_tokens / n_predict /
    options.num_predict caps the number of pieces.

MISBEHAVIOUR, chosen by a path prefix /_b/BEHAVIOR[~TAG] in front of the endpoint
(e.g. POST /_b/429~t1/api/generate), or by the model name being exactly BEHAVIOR[~TAG]:
    ok          normal (the default)
    401         401 with the provider's error JSON, echoing the Authorization header back
                (so clients can prove they never show the key)
    429         the 1st, 3rd, 5th... request with that BEHAVIOR~TAG: 429 with "Retry-After: 1";
                the others succeed
    500         likewise with 500 (no Retry-After)
    500always   500 every time
    badjson     200 with a malformed body (non-stream), or a malformed stream line after the
                first piece
    truncate    streams: the first two pieces, then the connection closes before the end
                marker; non-stream: a Content-Length longer than the body, then close
    slow        waits --slow seconds (default 5) before replying
    trickle     streams 200 pieces "t0 ", "t1 ", ... one every --trickle seconds (default 0.1)
    big         a reply text of 8 MiB (for the client's size cap)
    The counter of 429/500 is kept per BEHAVIOR~TAG: use a fresh TAG in each test.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
RECORDS = []
COUNTERS = {}
ARGS = None

BEHAVIORS = {"ok", "401", "429", "500", "500always", "badjson", "truncate", "slow", "trickle",
             "big"}
FIM_PATHS = {"/v1/completions", "/api/generate", "/infill"}
CHAT_PATHS = {"/v1/chat/completions", "/api/chat"}
RAW_PATHS = {"/completion"}  # llama.cpp: a raw prompt (chat transcript or a FIM template)
PATH_RE = re.compile(r"(?://|--) Path: (.+)$", re.M)  # also right after a FIM token
REPLY_RE = re.compile(r"<<reply:(.*?)>>", re.S)


def record(entry):
    with LOCK:
        RECORDS.append(entry)
        if ARGS.log:
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")
                f.flush()


def count(key):
    with LOCK:
        COUNTERS[key] = COUNTERS.get(key, 0) + 1
        return COUNTERS[key]


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append("\n" if s[i + 1] == "n" else s[i + 1])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def reply_text(endpoint, body):
    """The deterministic reply for a request body."""
    if endpoint == "/infill":
        prompt = body.get("input_prefix")
    elif endpoint in ("/v1/completions", "/api/generate", "/completion"):
        prompt = body.get("prompt")
    else:
        msgs = body.get("messages") or [{}]
        prompt = msgs[-1].get("content") if isinstance(msgs[-1], dict) else ""
    prompt = prompt if isinstance(prompt, str) else ""
    m = REPLY_RE.search(prompt)
    if m:
        text = unescape(m.group(1))
    elif endpoint == "/infill":
        names = [x.get("filename", "") for x in body.get("input_extra") or []
                 if isinstance(x, dict)]
        text = "files=" + ",".join(names)
    elif endpoint in FIM_PATHS or PATH_RE.search(prompt):
        text = "files=" + ",".join(PATH_RE.findall(prompt))
    else:
        text = "echo: " + prompt[:60]
    stops = body.get("stop")
    if stops is None and isinstance(body.get("options"), dict):
        stops = body["options"].get("stop")
    if isinstance(stops, str):
        stops = [stops]
    for s in stops or []:
        if isinstance(s, str) and s and s in text:
            text = text[:text.index(s)]
    return text


def pieces_of(text, body):
    parts = re.findall(r"[^ ]* ?", text)
    parts = [p for p in parts if p]
    limit = body.get("max_tokens") or body.get("n_predict")
    if not limit and isinstance(body.get("options"), dict):
        limit = body["options"].get("num_predict")
    if isinstance(limit, int) and limit > 0:
        parts = parts[:limit]
    return parts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    server_version = "model_server/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    # ---- helpers ------------------------------------------------------------------------
    def send_json(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def start_stream(self, sse):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream" if sse else "application/x-ndjson")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()

    def emit(self, line):
        self.wfile.write(line.encode())
        self.wfile.flush()

    def error_body(self, endpoint, status, message):
        if endpoint.startswith("/api/"):
            return {"error": message}
        if endpoint.startswith("/v1/"):
            return {"error": {"message": message, "type": "invalid_request_error",
                              "code": status}}
        return {"error": {"code": status, "message": message, "type": "server_error"}}

    # ---- GET ----------------------------------------------------------------------------
    def do_GET(self):
        path = self.path.split("?")[0]
        _, endpoint = self.split_behavior(path)
        if endpoint == "/_requests":
            with LOCK:
                self.send_json(200, RECORDS)
        elif endpoint == "/v1/models":
            self.send_json(200, {"object": "list", "data": [{"id": "m", "object": "model"}]})
        elif endpoint == "/api/tags":
            self.send_json(200, {"models": [{"name": "m", "model": "m"}]})
        elif endpoint == "/health":
            self.send_json(200, {"status": "ok"})
        else:
            self.send_json(404, {"error": "not found: " + endpoint})

    @staticmethod
    def split_behavior(path):
        if path.startswith("/_b/"):
            rest = path[4:]
            slash = rest.find("/")
            if slash < 0:
                return rest, "/"
            return rest[:slash], rest[slash:]
        return "", path

    # ---- POST ---------------------------------------------------------------------------
    def do_POST(self):
        path = self.path.split("?")[0]
        behavior_key, endpoint = self.split_behavior(path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace") if n > 0 else ""
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not behavior_key and isinstance(body, dict) and \
                str(body.get("model", "")).split("~")[0] in BEHAVIORS:
            behavior_key = str(body.get("model"))
        behavior = behavior_key.split("~")[0] or "ok"
        record({"method": "POST", "path": endpoint, "behavior": behavior,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body, "raw": None if body is not None else raw})

        if endpoint == "/_reset":
            with LOCK:
                RECORDS.clear()
                COUNTERS.clear()
            self.send_json(200, {})
            return
        if endpoint not in FIM_PATHS | CHAT_PATHS | RAW_PATHS:
            self.send_json(404, self.error_body(endpoint, 404, "no such endpoint " + endpoint))
            return
        if not isinstance(body, dict):
            self.send_json(400, self.error_body(endpoint, 400, "body is not a JSON object"))
            return

        if behavior == "401":
            auth = self.headers.get("Authorization", "")
            self.send_json(401, self.error_body(endpoint, 401,
                                                "Incorrect API key provided: " + auth))
            return
        if behavior in ("429", "500"):
            if count(behavior_key) % 2 == 1:
                status = int(behavior)
                self.send_json(status, self.error_body(endpoint, status, "try again later"),
                               {"Retry-After": "1"} if status == 429 else None)
                return
        if behavior == "500always":
            self.send_json(500, self.error_body(endpoint, 500, "the model crashed"))
            return
        if behavior == "slow":
            time.sleep(ARGS.slow)

        ollama = endpoint.startswith("/api/")
        stream = body.get("stream", ollama) is True
        if behavior == "big":
            text = "x" * (8 << 20)
            parts = [text[i:i + 65536] for i in range(0, len(text), 65536)]
        elif behavior == "trickle":
            parts = ["t%d " % i for i in range(200)]
        else:
            text = reply_text(endpoint, body)
            parts = pieces_of(text, body)
        model = body.get("model", "m")

        if not stream:
            self.reply_whole(endpoint, model, "".join(parts), behavior)
        else:
            self.reply_stream(endpoint, model, parts, behavior)

    def reply_whole(self, endpoint, model, text, behavior):
        if endpoint == "/v1/chat/completions":
            obj = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                   "model": model,
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": text}}],
                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        elif endpoint == "/v1/completions":
            obj = {"id": "cmpl-1", "object": "text_completion", "created": 0, "model": model,
                   "choices": [{"text": text, "index": 0, "logprobs": None,
                                "finish_reason": "stop"}]}
        elif endpoint == "/api/generate":
            obj = {"model": model, "created_at": "2024-01-01T00:00:00Z", "response": text,
                   "done": True, "done_reason": "stop", "total_duration": 1}
        elif endpoint == "/api/chat":
            obj = {"model": model, "created_at": "2024-01-01T00:00:00Z",
                   "message": {"role": "assistant", "content": text},
                   "done": True, "done_reason": "stop"}
        else:  # /infill, /completion
            obj = {"content": text, "stop": True, "stop_type": "eos", "model": model,
                   "tokens_predicted": 1}
        data = json.dumps(obj).encode()
        if behavior == "badjson":
            data = b'{"choices": [{"text": "unterminated'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if behavior == "truncate":
            self.send_header("Content-Length", str(len(data) + 100))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply_stream(self, endpoint, model, parts, behavior):
        ndjson = endpoint.startswith("/api/")
        self.start_stream(not ndjson)

        def chunk(text, last):
            if endpoint == "/v1/chat/completions":
                obj = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                       "model": model,
                       "choices": [{"index": 0, "delta": {} if last else {"content": text},
                                    "finish_reason": "stop" if last else None}]}
            elif endpoint == "/v1/completions":
                obj = {"id": "cmpl-1", "object": "text_completion", "created": 0,
                       "model": model,
                       "choices": [{"text": text, "index": 0, "logprobs": None,
                                    "finish_reason": "stop" if last else None}]}
            elif endpoint == "/api/generate":
                obj = {"model": model, "created_at": "2024-01-01T00:00:00Z", "response": text,
                       "done": last}
                if last:
                    obj.update({"done_reason": "stop", "total_duration": 1})
            elif endpoint == "/api/chat":
                obj = {"model": model, "created_at": "2024-01-01T00:00:00Z",
                       "message": {"role": "assistant", "content": text}, "done": last}
                if last:
                    obj["done_reason"] = "stop"
            else:
                obj = {"content": text, "stop": last, "id_slot": 0, "index": 0}
                if last:
                    obj.update({"stop_type": "eos", "model": model})
            line = json.dumps(obj)
            return line + "\n" if ndjson else "data: " + line + "\n\n"

        try:
            if endpoint == "/v1/chat/completions":
                self.emit("data: " + json.dumps(
                    {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0,
                     "model": model,
                     "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                  "finish_reason": None}]}) + "\n\n")
            for i, p in enumerate(parts):
                if behavior == "truncate" and i == 2:
                    return
                self.emit(chunk(p, False))
                if behavior == "badjson":  # after the first piece
                    self.emit("{\"response\": \"oops\n" if ndjson
                              else "data: {\"content\": \"oops\n\n")
                    return
                if behavior == "trickle":
                    time.sleep(ARGS.trickle)
            if behavior == "truncate":
                return
            self.emit(chunk("", True))
            if endpoint.startswith("/v1/"):
                self.emit("data: [DONE]\n\n")
        except (BrokenPipeError, ConnectionResetError):
            pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # a client that hangs up (cancelled, size cap reached) is part of the tests
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--log")
    ap.add_argument("--exit-on-eof", action="store_true")
    ap.add_argument("--slow", type=float, default=5.0)
    ap.add_argument("--trickle", type=float, default=0.1)
    ARGS = ap.parse_args()
    srv = QuietServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    if ARGS.exit_on_eof:
        def watch():
            while sys.stdin.buffer.read(4096):
                pass
            os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
