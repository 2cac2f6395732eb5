#!/usr/bin/env python3
"""A BitTorrent peer on the lab internet: every few seconds it asks the VPN provider which port it forwards
(``GET http://ENDPOINT:8001/port``, where a real peer would learn it from a tracker), opens a TCP connection to
that port on the endpoint's public address, and sends a plaintext BitTorrent handshake (BEP 3).

The connection is what qBittorrent counts: libtorrent sets ``has_incoming_connections`` when it accepts one
from a non-local address (any but 10/8, 172.16/12, 192.168/16, 169.254/16, 127/8), and qBittorrent's
``connection_status`` turns from ``firewalled`` to ``connected``. That is why this peer lives on lab_peers
(198.51.100.0/24, TEST-NET-2: never routed anywhere), not on lab_wan (10.213.0.0/24, "local" to libtorrent).
A qBittorrent that requires encryption closes the plaintext handshake: the peer logs it, the connection
was made all the same.
"""

import argparse
import hashlib
import json
import signal
import socket
import sys
import time
import urllib.request

PROTOCOL = b"BitTorrent protocol"


def forwarded_port(endpoint: str, api_port: int) -> int:
    with urllib.request.urlopen(f"http://{endpoint}:{api_port}/port", timeout=3) as resp:
        return int(json.loads(resp.read())["port"])


def handshake(endpoint: str, port: int, info_hash: bytes, peer_id: bytes) -> str:
    """Connect, send the handshake, and say what happened."""
    with socket.create_connection((endpoint, port), timeout=4) as sock:
        sock.sendall(bytes([len(PROTOCOL)]) + PROTOCOL + bytes(8) + info_hash + peer_id)
        try:
            answer = sock.recv(68)
        except TimeoutError:
            return f"connected to {endpoint}:{port}; no handshake back"
        except OSError as exc:
            return f"connected to {endpoint}:{port}; closed ({exc.strerror or exc})"
        if answer[:20] == bytes([len(PROTOCOL)]) + PROTOCOL:
            return f"connected to {endpoint}:{port}; handshake answered"
        return f"connected to {endpoint}:{port}; closed without a plaintext handshake ({len(answer)} bytes)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="198.51.100.2")
    parser.add_argument("--api-port", type=int, default=8001)
    parser.add_argument("--interval", type=float, default=5)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # PID 1: exit at once on `docker stop`
    info_hash = hashlib.sha1(b"orion-lab").digest()
    peer_id = b"-OL0001-" + hashlib.sha1(socket.gethostname().encode()).hexdigest()[:12].encode()
    last = ""
    while True:
        try:
            said = handshake(args.endpoint, forwarded_port(args.endpoint, args.api_port), info_hash, peer_id)
        except OSError as exc:
            said = f"no connection: {exc}"
        except (ValueError, KeyError) as exc:
            said = f"the provider API answered no port: {exc}"
        if said != last:
            print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} torrent-peer: {said}", flush=True)
            last = said
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
