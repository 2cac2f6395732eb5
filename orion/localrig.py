"""A rig of real daemons on 127.0.0.1, to prove the live path before and beside the lab.

It runs openssh-server on 127.0.0.1:2222 in a private mount namespace (so that `sshd -T`, run over
SSH, reads the rig's own /etc/ssh and never the machine's), prometheus-node-exporter, and a
Prometheus that scrapes it. Faults act on the real daemons: rewrite sshd_config and reload, stop
node_exporter, stop sshd. Used by tests_unit, bench/ and `make demo`. Needs root and the Debian
packages openssh-server, prometheus and prometheus-node-exporter.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

SSH_PORT = 2222
EXPORTER_PORT = 9100
PROMETHEUS_PORT = 9090
NODES = ("orion-cortex", "orion-synapse")

SSHD_CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey /etc/ssh/ssh_host_ed25519_key
PermitRootLogin prohibit-password
PasswordAuthentication {passwords}
KbdInteractiveAuthentication no
PubkeyAcceptedAlgorithms ssh-ed25519,sk-ssh-ed25519@openssh.com
AuthorizedKeysFile /etc/ssh/authorized_keys
UsePAM no
PidFile /etc/ssh/sshd.pid
LogLevel INFO
"""

PROMETHEUS_CONFIG = {
    "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
    # Both nodes of the rig are this machine: one target per node, as Prometheus sees two Pis.
    "scrape_configs": [
        {
            "job_name": "node",
            "static_configs": [
                {"targets": [f"127.0.0.1:{EXPORTER_PORT}"], "labels": {"node": "cortex"}},
                {"targets": [f"localhost:{EXPORTER_PORT}"], "labels": {"node": "synapse"}},
            ],
        }
    ],
}


class RigError(RuntimeError):
    """The rig could not start a daemon; the message says which and why."""


@dataclass
class LocalRig:
    root: Path

    @property
    def inventory(self) -> Path:
        return self.root / "inventory.yml"

    @property
    def ssh_dir(self) -> Path:
        return self.root / "etc-ssh"

    @property
    def key(self) -> Path:
        return self.root / "id_ed25519"

    @property
    def sshd_log(self) -> Path:
        return self.root / "sshd.log"

    # --- lifecycle -------------------------------------------------------------------------------

    def up(self) -> LocalRig:
        self.root.mkdir(parents=True, exist_ok=True)
        self._keys()
        self.write_sshd_config(passwords=False)
        self.start_sshd()
        self.start_node_exporter()
        self.start_prometheus()
        self._write_inventory()
        return self

    def down(self) -> None:
        for name in ("prometheus", "node_exporter", "sshd"):
            self._stop(name)

    def _keys(self) -> None:
        self.ssh_dir.mkdir(mode=0o700, exist_ok=True)
        host_key = self.ssh_dir / "ssh_host_ed25519_key"
        for path in (host_key, self.key):
            if not path.exists():
                subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
        shutil.copy(self.key.with_suffix(".pub"), self.ssh_dir / "authorized_keys")
        self.key.chmod(0o600)

    def write_sshd_config(self, *, passwords: bool, port: int = SSH_PORT) -> None:
        text = SSHD_CONFIG.format(port=port, passwords="yes" if passwords else "no")
        (self.ssh_dir / "sshd_config").write_text(text)

    def start_sshd(self) -> None:
        if self._alive("sshd"):
            return
        Path("/run/sshd").mkdir(exist_ok=True)
        script = f"mount --bind {self.ssh_dir} /etc/ssh && exec /usr/sbin/sshd -D -e"
        self._spawn("sshd", ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", script], SSH_PORT)
        _wait_port(SSH_PORT, "sshd", self.sshd_log)

    def reload_sshd(self) -> None:
        """SIGHUP, as `systemctl reload ssh` does: sshd re-reads its config."""
        pid = self._pid("sshd")
        if pid:
            os.kill(pid, signal.SIGHUP)
            time.sleep(0.3)
            _wait_port(SSH_PORT, "sshd", self.sshd_log)

    def start_node_exporter(self) -> None:
        if not self._alive("node_exporter"):
            collectors = ("cpu", "meminfo", "filesystem", "loadavg", "stat", "time")
            argv = ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{EXPORTER_PORT}",
                    "--collector.disable-defaults", *(f"--collector.{c}" for c in collectors)]  # fmt: skip
            self._spawn("node_exporter", argv, EXPORTER_PORT)
            _wait_port(EXPORTER_PORT, "node_exporter", self.root / "node_exporter.log")

    def start_prometheus(self) -> None:
        if self._alive("prometheus"):
            return
        config = self.root / "prometheus.yml"
        config.write_text(yaml.safe_dump(PROMETHEUS_CONFIG))
        argv = ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={self.root / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}"]  # fmt: skip
        self._spawn("prometheus", argv, PROMETHEUS_PORT)
        _wait_port(PROMETHEUS_PORT, "prometheus", self.root / "prometheus.log")

    def stop_node_exporter(self) -> None:
        self._stop("node_exporter")

    def stop_sshd(self) -> None:
        self._stop("sshd")

    def wait_scraped(self, health: str, timeout: float = 15) -> None:
        """Wait until Prometheus has seen node_exporter as `health` ("up" or "down")."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                targets = httpx.get(f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/targets", timeout=2).json()
                active = targets["data"]["activeTargets"]
                if active and all(t["health"] == health for t in active):
                    return
            except (httpx.HTTPError, ValueError, KeyError):
                pass
            time.sleep(0.3)
        raise RigError(f"Prometheus did not see node_exporter {health} within {timeout:.0f}s")

    # --- processes -------------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str], port: int) -> None:
        if _listening(port):
            raise RigError(f"127.0.0.1:{port} is already in use: stop what listens there before starting {name}")
        log = (self.root / f"{name}.log").open("ab")
        try:
            process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        except FileNotFoundError:
            raise RigError(f"{argv[0]} is not installed (make deps installs it)") from None
        (self.root / f"{name}.pid").write_text(str(process.pid))

    def _pid(self, name: str) -> int | None:
        path = self.root / f"{name}.pid"
        try:
            return int(path.read_text())
        except (OSError, ValueError):
            return None

    def _alive(self, name: str) -> bool:
        pid = self._pid(name)
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    def _stop(self, name: str) -> None:
        pid = self._pid(name)
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGTERM)
                for _ in range(50):
                    os.kill(pid, 0)
                    time.sleep(0.1)
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        (self.root / f"{name}.pid").unlink(missing_ok=True)

    def _write_inventory(self) -> None:
        services = {"node-exporter": {"url": f"http://127.0.0.1:{EXPORTER_PORT}", "timeout": 3}}
        hosts = {
            name: {
                "ansible_host": "127.0.0.1",
                "ansible_port": SSH_PORT,
                "ansible_user": "root",
                "ansible_ssh_private_key_file": str(self.key),
                "orion_node": name.removeprefix("orion-"),
                "orion_connect_timeout": 3.0,
                "orion_waivers": {
                    "SEC-01:test_sshd_refuses_root_logins": "the rig is this machine, reached as root",
                    "MON-01:test_prometheus_scrapes_every_declared_target": "the rig's Prometheus scrapes only "
                    "the rig's node exporters, not the stack's declared jobs",
                },
                "orion_services": services
                if name == NODES[0]
                else {**services, "prometheus": {"url": f"http://127.0.0.1:{PROMETHEUS_PORT}", "timeout": 3}},
            }
            for name in NODES
        }
        body = {"all": {"children": {n.removeprefix("orion-"): {"hosts": {n: v}} for n, v in hosts.items()}}}
        header = "# The local rig: both nodes are this machine (orion.localrig). Written by the rig.\n"
        self.inventory.write_text(header + yaml.safe_dump(body, sort_keys=False))


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_port(port: int, name: str, log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _listening(port):
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace").strip().splitlines()[-3:] if log.exists() else []
    raise RigError(f"{name} did not listen on 127.0.0.1:{port} within {timeout:.0f}s: {' | '.join(tail)}")


def main(argv: list[str]) -> int:
    """`python -m orion.localrig up|down DIR`: used by `make demo` and by hand."""
    if len(argv) != 2 or argv[0] not in ("up", "down"):
        print("usage: python -m orion.localrig up|down DIR", file=sys.stderr)
        return 2
    rig = LocalRig(Path(argv[1]))
    try:
        if argv[0] == "up":
            rig.up().wait_scraped("up")
            ports = f"sshd :{SSH_PORT}, node_exporter :{EXPORTER_PORT}, Prometheus :{PROMETHEUS_PORT}"
            print(f"local rig up on 127.0.0.1: {ports}")
            print(f"inventory: {rig.inventory}")
        else:
            rig.down()
    except RigError as exc:
        print(f"localrig: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
