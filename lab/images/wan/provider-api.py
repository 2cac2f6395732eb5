#!/usr/bin/env python3
"""The lab VPN provider's port-forwarding API: ``GET /port`` answers ``{"port": N}``, the port the endpoint
forwards to its client right now (read from the state file ``vpn-endpoint forward`` writes).

A provider with native port forwarding (NAT-PMP, or an API Gluetun polls) tells the client its port this way;
the Gluetun stand-in asks it through the tunnel, the lab's torrent peer from the lab internet.
"""

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/port":
                self.send_error(404)
                return
            try:
                port = int(args.state.read_text().strip())
            except (OSError, ValueError):
                port = 0
            body = json.dumps({"port": port}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *a: object) -> None:
            pass

    print(f"provider-api: listening on :{args.port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
