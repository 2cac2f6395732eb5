"""The lab's Telegram stand-in (lab/standins/telegram.py) as a local process on 127.0.0.1, for the sender's tests.

It runs exactly as in the lab (the stand-in framework's `serve`), only bound to loopback on a free port, and can be
stopped and started again on the same port and data, which is what "Telegram down" is for a client.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from orion import PROJECT_ROOT

STANDINS = PROJECT_ROOT / "lab" / "standins"
TOKEN = "7123456789:AAH" + "x9Qm2Lr7Tz4Kp8Vb3Nc6Yd1Wf5Hg0Js2Ue"  # shaped like a real bot token
_SERVE = """
import importlib.util, sys
from pathlib import Path
standins = Path(sys.argv[1])
sys.path.insert(0, str(standins))
spec = importlib.util.spec_from_file_location("telegram_standin", standins / "telegram.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
from standin import serve
serve(module.build("telegram"), int(sys.argv[2]), host="127.0.0.1")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Standin:
    def __init__(self, data: Path, token: str = TOKEN) -> None:
        self.data, self.token = data, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Standin:
        env = {"TELEGRAM_BOT_TOKEN": self.token, "STANDIN_DATA": str(self.data), "PATH": "/usr/bin:/bin"}
        self.process = subprocess.Popen([sys.executable, "-c", _SERVE, str(STANDINS), str(self.port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/_standin/fail", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the telegram stand-in did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def fail(self, **spec: Any) -> None:
        httpx.post(f"{self.url}/_standin/fail", json=spec, timeout=5).raise_for_status()

    def heal(self) -> None:
        httpx.delete(f"{self.url}/_standin/fail", timeout=5).raise_for_status()

    def limit(self, min_interval_s: float) -> None:
        httpx.post(f"{self.url}/_standin/limits", json={"min_interval_s": min_interval_s}, timeout=5)

    def messages(self) -> list[dict[str, Any]]:
        return httpx.get(f"{self.url}/_standin/messages", timeout=5).json()["messages"]

    def texts(self) -> list[str]:
        return [m["message"].get("text") or m["message"].get("caption") or "" for m in self.messages()]
