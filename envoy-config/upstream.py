#!/usr/bin/env python3
"""A stand-in upstream app for local runs and tests.

Answers every request with 200 and a JSON echo of what reached it: method, path, headers
and the body's length. So a test can see what Envoy and jrego did to the request: injected
x-jrego-* headers, a removed spoofed header, the x-forwarded-client-cert Envoy set.

Usage: UPSTREAM_PORT=8080 python3 envoy-config/upstream.py   (listens on 127.0.0.1 only)
"""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        payload = json.dumps({
            "method": self.command,
            "path": self.path,
            # Header names lower-cased, as Envoy forwards them; repeated headers joined.
            "headers": {k.lower(): ", ".join(self.headers.get_all(k)) for k in self.headers.keys()},
            "body_bytes": len(body),
        }, indent=2, sort_keys=True).encode() + b"\n"
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _answer

    def log_message(self, fmt, *args):
        sys.stderr.write("upstream: %s\n" % (fmt % args))


def main():
    port = int(os.environ.get("UPSTREAM_PORT", "8080"))
    server = ThreadingHTTPServer(("127.0.0.1", port), Echo)
    print(f"upstream echo on 127.0.0.1:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
