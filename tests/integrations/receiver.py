"""A webhook receiver as a real process on a real socket (stdlib only, so it starts in a blink).

`python -m tests.integrations.receiver PORT LOG SECRET [CRASH_AT]`: every POST is verified with SECRET
(HMAC-SHA256 over `timestamp.body`, graph/integrations/signing.py) and appended to LOG as one JSON line
(event id, verified, body) before it is answered 204. The CRASH_AT-th request is logged and then the
process dies without answering (`os._exit`): the sender never learns it arrived, as when a receiver
is killed mid-stream, and must send it again; a receiver deduplicates by event id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> None:
    port, log_path, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    crash_at = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    seen = 0

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            nonlocal seen
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            timestamp = self.headers.get("webhook-timestamp", "")
            expected = (
                "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
            )
            given = (self.headers.get("webhook-signature") or "").split()
            entry = {
                "id": self.headers.get("webhook-id"),
                "verified": any(hmac.compare_digest(expected, g) for g in given),
                "signatures": len(given),
                "host": self.headers.get("host"),
                "body": json.loads(body),
            }
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps(entry) + "\n")
                log.flush()
                os.fsync(log.fileno())
            seen += 1
            if seen == crash_at:
                os._exit(1)  # killed mid-request: logged, never answered
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
