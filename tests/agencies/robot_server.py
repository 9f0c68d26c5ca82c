"""A fake 钉钉 / 企业微信 group robot on 127.0.0.1 for the channel tests.

It checks what the real robots check — the 钉钉 signature (timestamp within an hour,
HMAC-SHA256 of "timestamp\\nsecret", base64) and keyword, the 企业微信 key — and answers
from a script the test sets: `ok`, an HTTP status, an errcode, or a pause longer than the
client's timeout. Every request is recorded (path, query, JSON body).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class RobotServer:
    def __init__(self, *, kind="dingtalk", token="tok123", secret="", keyword=""):
        self.kind, self.token, self.secret, self.keyword = kind, token, secret, keyword
        self.script: list = []  # answers to give, in order; then "ok"
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = None
                with server.lock:
                    server.requests.append({"path": parts.path, "query": query, "body": body})
                    step = server.script.pop(0) if server.script else "ok"
                status, answer = server.answer(step, query, body)
                if status is None:
                    return
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # --- what the robot says -------------------------------------------------------------
    def answer(self, step, query, body):
        if isinstance(step, tuple) and step[0] == "sleep":
            time.sleep(step[1])
            return 200, {"errcode": 0, "errmsg": "ok"}
        if isinstance(step, tuple) and step[0] == "status":
            return step[1], {"errcode": -1, "errmsg": "server error"}
        if isinstance(step, tuple) and step[0] == "errcode":
            return 200, {"errcode": step[1], "errmsg": step[2] if len(step) > 2 else "error"}
        return 200, self.check(query, body)

    def check(self, query, body):
        if self.kind == "wecom":
            if query.get("key") != self.token:
                return {"errcode": 93000, "errmsg": "invalid webhook url, hint: [fake]"}
            return {"errcode": 0, "errmsg": "ok"}
        if query.get("access_token") != self.token:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        if self.secret:
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
                return {"errcode": 310000, "errmsg": "sign not match, timestamp is invalid"}
            digest = hmac.new(
                self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):
                return {"errcode": 310000, "errmsg": "sign not match"}
        if self.keyword and self.keyword not in json.dumps(body, ensure_ascii=False):
            return {"errcode": 310000, "errmsg": "keywords not in content"}
        return {"errcode": 0, "errmsg": "ok"}

    # --- addresses -------------------------------------------------------------------------
    def webhook(self, token=None):
        token = self.token if token is None else token
        if self.kind == "wecom":
            return f"http://127.0.0.1:{self.port}/cgi-bin/webhook/send?key={token}"
        return f"http://127.0.0.1:{self.port}/robot/send?access_token={token}"

    @property
    def sent(self) -> list[dict]:
        """The bodies the robot accepted or refused, in order."""
        return [r["body"] for r in self.requests]

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
