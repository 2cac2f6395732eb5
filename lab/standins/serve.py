"""Run one stand-in: ``serve.py PRODUCT [--port N]`` (PRODUCT is a module beside this file)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from standin import serve

PRODUCTS = {
    "jellyfin": 8096,
    "radarr": 7878,
    "sonarr": 8989,
    "prowlarr": 9696,
    "authelia": 9091,
    "grafana": 3000,
    "gluetun": 8000,
    "ollama": 11434,
    "openwebui": 8080,
    "pihole": 80,
    "uptimekuma": 3001,
    "cloudflared": 2000,
    "telegram": 8081,
    "echo": 80,
    "loki": 3100,
}
MODULES = {"radarr": "arr", "sonarr": "arr", "prowlarr": "arr"}


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve one Orion lab stand-in.")
    parser.add_argument("product", choices=sorted(PRODUCTS))
    parser.add_argument("--port", type=int, help="listen port (default: the product's usual port)")
    args = parser.parse_args()
    module = importlib.import_module(MODULES.get(args.product, args.product))
    app = module.build(args.product)
    serve(app, args.port or PRODUCTS[args.product])


if __name__ == "__main__":
    main()
