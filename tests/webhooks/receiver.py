"""A webhook receiver on a real socket: it checks each message's signature with the standardwebhooks
package (an implementation other than ours) and answers what the test tells it to."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook


class Receiver:
    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.status = 200  # what the next posts get
        self.received: list[dict[str, Any]] = []  # the verified messages, with their headers
        self.refused = 0  # posts answered with a status other than 2xx
        self.bad_signatures = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.status
                if 200 <= status < 300:
                    try:
                        payload = Webhook(receiver.secret).verify(body, headers)
                    except Exception:  # a wrong signature is refused, as a real receiver would
                        receiver.bad_signatures += 1
                        status = 400
                    else:
                        receiver.received.append({"id": headers["webhook-id"], "payload": payload})
                if not 200 <= status < 300:
                    receiver.refused += 1
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"no")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def ids(self) -> set[str]:
        return {message["id"] for message in self.received}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __repr__(self) -> str:  # what an assertion prints
        return json.dumps({"received": len(self.received), "refused": self.refused})
