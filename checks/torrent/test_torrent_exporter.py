"""TORR-04, statically: the node's stack runs qBittorrent's metrics exporter (qbittorrent-textfile.py) in Gluetun's
namespace, where the WebUI is on 127.0.0.1, and it writes into the directory node-exporter's textfile collector
reads, so that its series reach Prometheus."""

import pytest

from orion.expect import expect, expect_that
from orion.probes.composespec import mounts, textfile_directory

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("TORR-04")]

SCRIPT = "qbittorrent-textfile.py"


def _argv(service) -> list[str]:
    def listed(value) -> list[str]:
        return [str(v) for v in value] if isinstance(value, list) else str(value or "").split()

    return listed(service.get("entrypoint")) + listed(service.get("command"))


def _exporter(stack):
    __tracebackhide__ = True
    running = [s for s in stack.services.values() if any(a.endswith(SCRIPT) for a in _argv(s))]
    expect_that(bool(running), f"no service runs qBittorrent's metrics exporter ({SCRIPT})", observed=[],
                expected=f"a service that runs {SCRIPT}", where=stack.where("services"))  # fmt: skip
    return running[0]


def _source_of(service, directory: str) -> str | None:
    return next((m.source for m in mounts(service) if m.target == directory), None)


def test_the_qbittorrent_exporter_lives_in_gluetuns_namespace(stack):
    exporter = _exporter(stack)
    expect(exporter.network_mode, "service:gluetun", "qBittorrent's exporter must share Gluetun's (and qBittorrent's) "
           "network namespace to reach the WebUI", where=exporter.where("network_mode"))  # fmt: skip


def test_the_qbittorrent_exporter_writes_where_node_exporter_reads(stack):
    exporter = _exporter(stack)
    argv = _argv(exporter)
    written = argv[argv.index("--dir") + 1] if "--dir" in argv[:-1] else None
    reader = stack.service("node-exporter")
    ours, theirs = _source_of(exporter, written or ""), _source_of(reader, textfile_directory(reader))
    expect_that(ours is not None and ours == theirs, "qBittorrent's exporter does not write into node-exporter's "
                "textfile directory", observed={"exporter": ours, "node-exporter": theirs},
                expected="the same host directory, mounted in both", where=exporter.where("volumes"))  # fmt: skip
