"""An SSH host: one connection for the whole run, facts gathered in one round trip, testinfra for the rest.

Orion owns the connection: testinfra's paramiko backend reconnects on its own when a connection drops, with its
own host-key policy; here every connection, the first and any later one, goes through `RemoteHost._open`, which
refuses a host key that differs from the pinned one (known_hosts in the state dir, and the key this run saw).
"""

from __future__ import annotations

import base64
import secrets
import shlex
import socket
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from orion import evidence
from orion.inventory import Host
from orion.outcomes import CannotObserve
from orion.probes.facts import FACTS, Raw

COMMAND_TIMEOUT_S = 30


class RemoteHost:
    """A host of the inventory, reached over SSH (paramiko, through testinfra's backend).

    The connection opens on first use and stays open for the run. A failure to connect is
    remembered, so every later check on the host ends in `error` at once, with the same line.
    """

    connections = 0  # opened in this process; the benchmark reports it

    def __init__(self, spec: Host, known_hosts: Path | None = None) -> None:
        self.spec = spec
        self.known_hosts = known_hosts
        self.pending: set[str] = set()  # facts that the selected checks will read
        self._raw: dict[str, Raw] = {}
        self._failure: CannotObserve | None = None
        self._seen_key: Any = None  # the host key of this run's first connection: a reconnect must present it

    @property
    def name(self) -> str:
        return self.spec.name

    @cached_property
    def testinfra(self) -> Any:
        """testinfra's Host, for modules such as `file`, `service`, `package` and `socket`."""
        from testinfra.host import Host as TestinfraHost

        spec = self.spec
        # Not testinfra.get_host(): it caches hosts process-wide, and each RemoteHost owns its connection.
        backend = _pinned_backend()(f"{spec.user}@{spec.address}:{spec.port}", timeout=int(spec.connect_timeout))
        backend.opener = self._connection
        return TestinfraHost(backend)

    def __getattr__(self, name: str) -> Any:
        """testinfra's modules (`host.file`, `host.service`, `host.socket`…) over this host's one connection."""
        if name.startswith("_"):
            raise AttributeError(name)
        self.connect()
        return getattr(self.testinfra, name)

    def connect(self) -> Any:
        """The live paramiko client, reconnecting (pinned) if the connection dropped; CannotObserve if unreachable."""
        backend = self.testinfra.backend
        client = backend.__dict__.get("client")
        if client is not None and not _active(client):
            client.close()
            del backend.client  # as testinfra does on a dropped connection: the next use reconnects, pinned
        return backend.client  # testinfra's modules share this connection

    def _connection(self) -> Any:
        """Every connection of this host, testinfra's reconnects included; a failure is remembered for the run."""
        if self._failure is not None:
            raise self._failure
        try:
            return self._open()
        except CannotObserve as exc:
            self._failure = exc
            raise

    def _open(self) -> Any:
        """Connect, trusting a host key on first use and refusing one that changed (known_hosts in the state dir,
        and within a run the key its first connection saw, even without known_hosts)."""
        import paramiko

        spec = self.spec
        client = paramiko.SSHClient()
        if self.known_hosts is not None:
            self.known_hosts.touch(mode=0o600, exist_ok=True)
            client.load_host_keys(str(self.known_hosts))
        if self._seen_key is not None:
            client.get_host_keys().add(_key_name(spec.address, spec.port), self._seen_key.get_name(), self._seen_key)
        first = self._seen_key is None
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy() if first else paramiko.RejectPolicy())
        try:
            client.connect(
                spec.address, port=spec.port, username=spec.user,
                key_filename=str(spec.key_file) if spec.key_file else None,
                timeout=spec.connect_timeout, banner_timeout=spec.connect_timeout, auth_timeout=spec.connect_timeout,
                allow_agent=spec.key_file is None, look_for_keys=spec.key_file is None,
            )  # fmt: skip
        except paramiko.BadHostKeyException:
            since = f"{self.known_hosts} recorded it" if self.known_hosts else "this run's first connection"
            raise CannotObserve(f"ssh {spec.target}: the host key changed since {since}; refusing to connect") from None
        except paramiko.AuthenticationException:
            raise CannotObserve(f"ssh {spec.target}: authentication refused") from None
        except (OSError, paramiko.SSHException) as exc:
            raise CannotObserve(f"ssh {spec.target}: unreachable ({_reason(exc)})") from None
        if (transport := client.get_transport()) is not None:
            self._seen_key = transport.get_remote_server_key()
        if self.known_hosts is not None:
            try:
                client.save_host_keys(str(self.known_hosts))
            except OSError as exc:
                client.close()
                raise CannotObserve(f"cannot pin the host key of {spec.target} in {self.known_hosts}: {exc}") from None
        RemoteHost.connections += 1
        return client

    def run(self, command: str, *, sudo: bool = False, timeout: int = COMMAND_TIMEOUT_S) -> Raw:
        """Run one command; a failure to run it at all is a CannotObserve."""
        evidence.source(f"ssh {self.name}: {command}")
        return self._exec({command: (command, sudo)}, timeout)[command]

    def fact(self, name: str) -> Any:
        """The parsed value of fact `name`, gathering every pending fact of this host in the same trip."""
        spec = FACTS[name]
        evidence.source(f"ssh {self.name}: {spec.command}")
        if name not in self._raw:
            wanted = {n for n in self.pending | {name} if n not in self._raw}
            self._raw.update(self._exec({n: (FACTS[n].command, FACTS[n].sudo) for n in sorted(wanted)}))
        raw = self._raw[name]
        if raw.rc == 124:
            raise CannotObserve(f"{self.name}: `{spec.command}` timed out")
        if raw.rc not in spec.ok:
            detail = (raw.stderr or raw.stdout).strip().splitlines()
            raise CannotObserve(f"{self.name}: `{spec.command}` exited {raw.rc}" + (f": {detail[0]}" if detail else ""))
        return spec.parse(raw.stdout)

    def _exec(self, commands: dict[str, tuple[str, bool]], timeout: int = COMMAND_TIMEOUT_S) -> dict[str, Raw]:
        """Run several commands in one SSH exec and split their results."""
        client = self.connect()
        boundary = f"ORION-{secrets.token_hex(8)}"
        script = _batch_script(boundary, [self._wrap(cmd, sudo, timeout) for cmd, sudo in commands.values()])
        budget = timeout * max(1, len(commands)) + 10
        try:
            _, stdout, stderr = client.exec_command(script, timeout=budget)
            out = stdout.read().decode("utf-8", "replace")
            stdout.channel.recv_exit_status()
        except (TimeoutError, OSError) as exc:
            raise CannotObserve(f"ssh {self.spec.target}: {_reason(exc)}") from None
        except Exception as exc:  # paramiko.SSHException and friends: the session broke
            raise CannotObserve(f"ssh {self.spec.target}: session failed ({_reason(exc)})") from None
        results = _split(boundary, out)
        if len(results) != len(commands):
            err = stderr.read().decode("utf-8", "replace").strip().splitlines()
            raise CannotObserve(f"ssh {self.name}: batch of commands broke" + (f": {err[0]}" if err else ""))
        return {key: Raw(cmd, rc, o, e) for (key, (cmd, _)), (rc, o, e) in zip(commands.items(), results, strict=True)}

    def _wrap(self, command: str, sudo: bool, timeout: int) -> str:
        inner = f"timeout {timeout} sh -c {shlex.quote(command)}"
        return f"sudo -n {inner}" if sudo and self.spec.user != "root" else inner

    def close(self) -> None:
        backend = self.testinfra.backend if "testinfra" in self.__dict__ else None
        if backend is not None and "client" in backend.__dict__:
            backend.client.close()


@cache
def _pinned_backend() -> type[Any]:
    """testinfra's paramiko backend whose `client`, on first use and after testinfra drops it, is Orion's."""
    from testinfra.backend.paramiko import ParamikoBackend

    class PinnedParamikoBackend(ParamikoBackend):  # type: ignore[misc]
        opener: Any = None

        @cached_property
        def client(self) -> Any:  # testinfra `del`s it on a dropped connection; the next use comes back here
            return self.opener()

    return PinnedParamikoBackend


def _active(client: Any) -> bool:
    transport = client.get_transport()
    return transport is not None and transport.is_active()


def _key_name(address: str, port: int) -> str:
    """known_hosts' name for a host, as paramiko looks it up."""
    return address if port == 22 else f"[{address}]:{port}"


def _batch_script(boundary: str, commands: list[str]) -> str:
    """A POSIX sh script printing, per command: `<boundary> <rc>`, then stdout and stderr in base64."""
    lines = ["e=$(mktemp) || exit 97", "trap 'rm -f \"$e\"' EXIT"]
    for command in commands:
        lines += [
            f'o=$({command} 2>"$e"); rc=$?',
            f'printf "%s %s\\n" {boundary} "$rc"',
            'printf "%s" "$o" | base64 -w0; echo',
            'base64 -w0 < "$e"; echo',
        ]
    return "\n".join(lines)


def _split(boundary: str, out: str) -> list[tuple[int, str, str]]:
    lines = out.splitlines()
    results = []
    for i, line in enumerate(lines):
        if line.startswith(f"{boundary} ") and i + 2 < len(lines):
            rc = int(line.split()[1])
            decoded = (base64.b64decode(lines[i + k]).decode("utf-8", "replace") for k in (1, 2))
            results.append((rc, *decoded))
    return results


def _reason(exc: BaseException) -> str:
    if errors := getattr(exc, "errors", None):  # paramiko's NoValidConnectionsError wraps one per address
        return _reason(next(iter(errors.values())))
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
