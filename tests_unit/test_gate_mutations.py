"""Proof of the static gate: one realistic mutation of a copy of stacks/ turns its requirement red, naming the
mutated file (and line); the unmutated copy passes. Every check the mutation fails (or leaves unable to observe)
records its evidence in the run record: observed, expected and source, and the mutated file among them.

Each mutation runs in a subprocess against its own copy (ORION_STACKS_DIR), as a user or CI would run it:
a few through `orion gate` end to end, the others through pytest on the one check module that proves the
requirement, which is faster. The runs go two or more at a time; each test then judges its own run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from orion import PROJECT_ROOT
from orion.evidence_audit import missing_evidence

STACKS = PROJECT_ROOT / "stacks"
TIMEOUT_S = 180


@dataclass(frozen=True)
class Mutation:
    id: str
    req: str
    path: str  # relative to stacks/
    old: str  # text that must occur in the file
    new: str
    module: str  # the check module that proves the requirement, relative to checks/
    line: bool = True  # the failure names the line where `new` first differs from `old`
    every: bool = False  # replace every occurrence, not only the first
    gate: bool = False  # run through `orion gate` end to end

    def apply(self, root: Path) -> int:
        """Mutate the copy under `root`; returns the line where the mutation starts to differ."""
        path = root / self.path
        text = path.read_text(encoding="utf-8")
        assert self.old in text, f"mutation {self.id}: {self.path} no longer contains {self.old!r}"
        pairs = zip(self.old, self.new, strict=False)
        same = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(self.old), len(self.new)))
        start = text.index(self.old) + same
        path.write_text(text.replace(self.old, self.new, -1 if self.every else 1), encoding="utf-8")
        return text[:start].count("\n") + 1


CORTEX, SYNAPSE = "cortex/compose.yml", "synapse/compose.yml"
CADDYFILE, TUNNEL = "cortex/caddy/Caddyfile", "cortex/cloudflared/config.yml"
AUTHELIA = "cortex/authelia/configuration.yml"
PROMETHEUS, ALERTMANAGER = "synapse/prometheus/prometheus.yml", "synapse/alertmanager/alertmanager.yml"
DATA = "      - ${HDD_PATH:-/mnt/hdd}/data:/data\n"
TORRENT, EXPOSURE, CADDY = "torrent/test_vpn_confinement.py", "proxy/test_exposure.py", "proxy/test_caddy.py"
QBT_EXPORTER = "torrent/test_torrent_exporter.py"
HARDENING, COMPOSE = "security/test_container_hardening.py", "infra/test_compose_stacks.py"
MEDIA, MONITORING = "media/test_media_layout.py", "monitoring/test_monitoring_config.py"
ALERTING = "monitoring/test_alerting_config.py"
POLICIES, HYGIENE = "maintenance/test_compose_policies.py", "infra/test_repository_hygiene.py"

MUTATIONS = [
    # The examples.
    Mutation("qbittorrent-publishes-ports", "TORR-02", CORTEX, '    network_mode: "service:gluetun"\n',
             '    network_mode: "service:gluetun"\n    ports: ["${LAN_IP:?}:6881:6881"]\n', TORRENT, gate=True),
    Mutation("grafana-route-without-forward-auth", "SEC-06", CADDYFILE,
             "\thandle @grafana {\n\t\timport authelia\n", "\thandle @grafana {\n", "security/test_forward_auth.py",
             line=False),
    Mutation("loki-on-all-interfaces", "PROXY-05", SYNAPSE, '"${LAN_IP:?}:3100:3100"', '"0.0.0.0:3100:3100"',
             EXPOSURE, gate=True),
    Mutation("radarr-privileged", "SEC-05", CORTEX, "    image: lscr.io/linuxserver/radarr:5.28.0\n",
             "    image: lscr.io/linuxserver/radarr:5.28.0\n    privileged: true\n", HARDENING),
    Mutation("radarr-gains-sys-admin", "SEC-05", CORTEX, "    image: lscr.io/linuxserver/radarr:5.28.0\n",
             "    image: lscr.io/linuxserver/radarr:5.28.0\n    cap_add: [SYS_ADMIN]\n", HARDENING),
    Mutation("sonarr-shares-the-host-pid-namespace", "SEC-05", CORTEX, "    image: lscr.io/linuxserver/sonarr:4.0.15\n",
             "    image: lscr.io/linuxserver/sonarr:4.0.15\n    pid: host\n", HARDENING),
    Mutation("sonarr-image-latest", "INFRA-03", CORTEX, "lscr.io/linuxserver/sonarr:4.0.15",
             "lscr.io/linuxserver/sonarr:latest", COMPOSE, gate=True),
    Mutation("gluetun-without-tun", "TORR-01", CORTEX, "    devices:\n      - /dev/net/tun:/dev/net/tun\n", "",
             TORRENT, line=False),
    # One per other requirement.
    Mutation("tunnel-routes-radarr", "PROXY-03", TUNNEL, "  - hostname: orion.jarvis-hub.tech\n",
             "  - hostname: radarr.jarvis-hub.tech\n    service: http://radarr:7878\n"
             "  - hostname: orion.jarvis-hub.tech\n", EXPOSURE),
    Mutation("tunnel-routes-prometheus-through-caddy", "PROXY-05", TUNNEL, "  - hostname: orion.jarvis-hub.tech\n",
             "  - hostname: prometheus.jarvis-hub.tech\n    service: https://caddy:443\n"
             "  - hostname: orion.jarvis-hub.tech\n", EXPOSURE),
    Mutation("tunnel-drops-grafana", "PROXY-03", TUNNEL, "  - hostname: grafana.jarvis-hub.tech\n"
             "    service: https://caddy:443\n    originRequest:\n"
             "      originServerName: grafana.jarvis-hub.tech\n", "", EXPOSURE, line=False),
    Mutation("tunnel-without-catch-all", "PROXY-03", TUNNEL, "  - service: http_status:404\n",
             "  - service: https://caddy:443\n", EXPOSURE),
    Mutation("outbound-subnets-to-the-world", "TORR-02", CORTEX, "      HTTP_CONTROL_SERVER_ADDRESS:",
             "      FIREWALL_OUTBOUND_SUBNETS: 0.0.0.0/0\n      HTTP_CONTROL_SERVER_ADDRESS:", TORRENT),
    Mutation("killswitch-off", "TORR-02", CORTEX, "      HTTP_CONTROL_SERVER_ADDRESS:",
             "      FIREWALL: \"off\"\n      HTTP_CONTROL_SERVER_ADDRESS:", TORRENT),
    Mutation("openvpn-instead-of-wireguard", "TORR-01", CORTEX, "VPN_TYPE: wireguard", "VPN_TYPE: openvpn", TORRENT),
    Mutation("qbittorrent-exporter-not-run", "TORR-04", CORTEX,
             '    entrypoint: ["python3", "/opt/orion/qbittorrent-textfile.py"]\n', "", QBT_EXPORTER, line=False),
    Mutation("qbittorrent-exporter-writes-elsewhere", "TORR-04", CORTEX,
             "      - ${TEXTFILE_DIR:-/var/lib/node_exporter/textfile_collector}:/textfile\n    healthcheck:\n"
             "      <<: *hc\n      # qbittorrent.prom",
             "      - /var/lib/qbittorrent-metrics:/textfile\n    healthcheck:\n"
             "      <<: *hc\n      # qbittorrent.prom",
             QBT_EXPORTER, line=False),
    Mutation("torrenting-port-mismatch", "TORR-03", CORTEX, "TORRENTING_PORT: ${QBT_TORRENTING_PORT:?}",
             'TORRENTING_PORT: "6881"', TORRENT),
    Mutation("qbittorrent-not-bound-to-tun0", "TORR-02", "cortex/qbittorrent/qBittorrent.conf",
             "Session\\Interface=tun0", "Session\\Interface=eth0", TORRENT),
    Mutation("ollama-publishes-443", "PROXY-01", CORTEX, '"${LAN_IP:?}:11434:11434"', '"${LAN_IP:?}:443:11434"',
             EXPOSURE),
    Mutation("caddyfile-typo", "PROXY-01", CADDYFILE, "reverse_proxy sonarr:8989", "reverse_prxy sonarr:8989", CADDY,
             line=False),  # caddy names the enclosing block's line
    Mutation("caddy-built-without-dns-module", "PROXY-02", "cortex/caddy/Dockerfile",
             "    --with github.com/caddy-dns/cloudflare", "    --with github.com/caddy-dns/duckdns", CADDY,
             line=False),
    Mutation("cloudflare-token-in-the-caddyfile", "PROXY-02", CADDYFILE, "\t\tdns cloudflare {env.CF_API_TOKEN}",
             "\t\tdns cloudflare 0123456789abcdef0123456789abcdef", CADDY),
    Mutation("authelia-one-factor-by-default", "PROXY-04", AUTHELIA, "default_policy: deny",
             "default_policy: one_factor", "proxy/test_authelia.py"),
    Mutation("authelia-pre-4.38-key", "PROXY-04", AUTHELIA, "server:\n  address: tcp://:9091\n",
             "server:\n  host: 0.0.0.0\n  port: 9091\n", "proxy/test_authelia.py"),
    Mutation("caddy-calls-the-legacy-endpoint", "PROXY-04", CADDYFILE, "uri /api/authz/forward-auth",
             "uri /api/verify?rd=https://auth.jarvis-hub.tech", "proxy/test_authelia.py"),
    Mutation("authelia-inline-secret", "PROXY-04", AUTHELIA, "  name: authelia_session\n",
             "  name: authelia_session\n  secret: hunter2hunter2\n", "proxy/test_authelia.py"),
    Mutation("grafana-one-factor", "SEC-06", AUTHELIA, "        - orion.jarvis-hub.tech\n      policy: two_factor",
             "        - orion.jarvis-hub.tech\n      policy: one_factor", "security/test_forward_auth.py",
             line=False),
    Mutation("alloy-docker-socket-writable", "SEC-05", CORTEX, "/var/run/docker.sock:/var/run/docker.sock:ro",
             "/var/run/docker.sock:/var/run/docker.sock", HARDENING),
    Mutation("ollama-over-memory-budget", "SEC-05", CORTEX, "    mem_limit: 4g\n", "    mem_limit: 6g\n", HARDENING,
             line=False),
    Mutation("prowlarr-without-memory-limit", "SEC-05", CORTEX, "    mem_limit: 384m\n", "", HARDENING, line=False),
    Mutation("sonarr-may-gain-privileges", "SEC-05", CORTEX, "    image: lscr.io/linuxserver/sonarr:4.0.15\n",
             "    image: lscr.io/linuxserver/sonarr:4.0.15\n    security_opt: []\n", HARDENING),
    Mutation("prowlarr-mounts-docker-socket", "SEC-05", CORTEX, "      - ${APPDATA_PATH:?}/prowlarr:/config\n",
             "      - ${APPDATA_PATH:?}/prowlarr:/config\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n",
             HARDENING),
    Mutation("redis-on-frontend", "INFRA-04", CORTEX, "    networks: [backend]\n    healthcheck:\n      <<: *hc\n"
             '      test: ["CMD-SHELL", "redis-cli', "    networks: [backend, frontend]\n    healthcheck:\n"
             '      <<: *hc\n      test: ["CMD-SHELL", "redis-cli', "infra/test_networks.py"),
    Mutation("backend-not-internal", "INFRA-04", SYNAPSE, "    name: synapse_backend\n    internal: true\n",
             "    name: synapse_backend\n    internal: false\n", "infra/test_networks.py", line=False),
    Mutation("undefined-network", "INFRA-03", SYNAPSE, "    networks: [frontend, monitoring]\n",
             "    networks: [frontend, monitoring, nowhere]\n", COMPOSE, line=False),
    Mutation("undocumented-variable", "INFRA-03", CORTEX, "      WEBUI_NAME: Orion\n",
             "      WEBUI_NAME: ${WEBUI_TITLE:-Orion}\n", COMPOSE),
    Mutation("yaml-lint-error", "INFRA-05", "synapse/blackbox/blackbox.yml", "modules:\n", "modules:   \n",
             HYGIENE),
    Mutation("shellcheck-error", "INFRA-05", "synapse/alertmanager/entrypoint.sh", "umask 077\n",
             'umask 077\nif [ "$chat_id" == "" ]; then exit 1; fi\n', HYGIENE),
    Mutation("secrets-not-git-ignored", "INFRA-05", ".gitignore", "*/secrets/\n", "", HYGIENE,
             line=False),
    Mutation("radarr-outside-the-data-tree", "MEDIA-04", CORTEX,
             "      - ${APPDATA_PATH:?}/radarr:/config\n" + DATA,
             "      - ${APPDATA_PATH:?}/radarr:/config\n      - /srv/downloads:/data\n", MEDIA),
    Mutation("media-tree-off-the-hdd", "MEDIA-05", CORTEX, DATA, "      - /srv/data:/data\n", MEDIA, every=True),
    Mutation("jellyfin-hardware-transcoding", "MEDIA-01", "cortex/jellyfin/encoding.xml",
             "<HardwareAccelerationType>none<", "<HardwareAccelerationType>vaapi<", MEDIA),
    Mutation("cortex-node-exporter-not-scraped", "MON-01", PROMETHEUS,
             '      - targets: ["orion-cortex:9100"]\n        labels:\n          node: cortex\n', "", MONITORING,
             line=False),
    Mutation("synapse-cadvisor-not-scraped", "MON-05", PROMETHEUS,
             '      - targets: ["cadvisor:8080"]\n        labels:\n          node: synapse\n', "", MONITORING,
             line=False),
    Mutation("alloy-pushes-nowhere", "MON-02", CORTEX, "LOKI_PUSH_URL: http://orion-synapse:3100/loki/api/v1/push",
             "LOKI_PUSH_URL: http://orion-synapse:3100/", MONITORING),
    Mutation("loki-datasource-renamed", "MON-04", "synapse/grafana/provisioning/datasources/datasources.yaml",
             "    uid: loki\n", "    uid: logs\n", MONITORING, line=False),
    Mutation("no-smart-textfile-on-cortex", "MON-06", CORTEX,
             "      - --collector.textfile.directory=/textfile\n      - --collector.filesystem",
             "      - --collector.filesystem", MONITORING, line=False),
    Mutation("mon-04-rule-loses-its-label", "MON-03", "synapse/prometheus/rules/services.yml",
             "          requirement: MON-04\n", "", ALERTING, line=False),
    Mutation("rule-with-broken-promql", "MON-03", "synapse/prometheus/rules/node.yml", "    rules:\n",
             '    rules:\n      - alert: Broken\n        expr: up{job="node" == 0\n', ALERTING, line=False),
    Mutation("rule-threshold-fails-its-unit-test", "MON-03", "synapse/prometheus/rules/storage.yml",
             '"/mnt/hdd.*"}) > 0.90', '"/mnt/hdd.*"}) > 0.99', ALERTING, line=False),
    Mutation("critical-alerts-on-the-warning-route", "MON-03", ALERTMANAGER,
             "    - receiver: telegram-critical\n", "    - receiver: telegram-warning\n", ALERTING),
    Mutation("json-logs-without-rotation", "MAINT-01", SYNAPSE, "    image: grafana/loki:3.5.7\n",
             "    image: grafana/loki:3.5.7\n    logging: {driver: json-file}\n", POLICIES),
    Mutation("radarr-never-restarts", "MAINT-04", CORTEX, "    image: lscr.io/linuxserver/radarr:5.28.0\n",
             "    image: lscr.io/linuxserver/radarr:5.28.0\n    restart: \"no\"\n", POLICIES),
]  # fmt: skip


@dataclass(frozen=True)
class Run:
    line: int | None  # where the mutation starts to differ
    done: subprocess.CompletedProcess[str]
    record: dict | None  # the run record (orion.run/1), when the run wrote one


def _run(mutation: Mutation | None, root: Path) -> Run:
    shutil.copytree(STACKS, root / "stacks", ignore=shutil.ignore_patterns("secrets", ".env"))
    line = mutation.apply(root / "stacks") if mutation else None
    env = {**os.environ, "ORION_STACKS_DIR": str(root / "stacks")}
    state = str(root / "state")
    if mutation is None or mutation.gate:
        command = [sys.executable, "-m", "orion.cli", "gate", "--state-dir", state]
    else:  # one module; its tools run only when asked for; Orion's plugin and no other (they cost seconds)
        env |= {"ORION_TOOL_PREFETCH": "0", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
        command = [sys.executable, "-m", "pytest", "-p", "orion.plugin", str(PROJECT_ROOT / "checks" / mutation.module),
                   "-m", "static", "--orion-offline", "-q", "--tb=line", "-p", "no:cacheprovider",
                   f"--rootdir={PROJECT_ROOT}", f"--state-dir={state}"]  # fmt: skip
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
    latest = root / "state" / "runs" / "latest.json"
    return Run(line, done, json.loads(latest.read_text(encoding="utf-8")) if latest.exists() else None)


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Every selected mutation's run (and the pristine one), started together, at most one per core at a time."""
    mine = [item for item in request.session.items if item.module is request.module]
    selected = {item.callspec.params["mutation"] for item in mine if hasattr(item, "callspec")}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures: dict[str | None, Future] = {}
        if any(item.name == test_the_unmutated_stacks_pass_the_gate.__name__ for item in mine):
            futures[None] = pool.submit(_run, None, tmp_path_factory.mktemp("pristine"))
        for m in MUTATIONS:
            if m in selected:
                futures[m.id] = pool.submit(_run, m, tmp_path_factory.mktemp(m.id))
        yield futures
        for future in futures.values():
            future.cancel()


def test_the_unmutated_stacks_pass_the_gate(runs):
    done = runs[None].result().done
    assert done.returncode == 0, f"orion gate fails on an unmutated copy of stacks/:\n{done.stdout[-3000:]}"
    assert re.search(r"failed 0 · error 0", done.stdout), done.stdout[-2000:]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_the_gate_fails_on_the_mutation_naming_requirement_and_file(runs, mutation: Mutation):
    run = runs[mutation.id].result()
    line, done = run.line, run.done
    output = done.stdout + done.stderr
    assert done.returncode == 1, f"exit {done.returncode}, expected 1:\n{output[-3000:]}"
    assert re.search(rf"^\s+{re.escape(mutation.req)}\s+FAILED\s", output, re.MULTILINE), (
        f"{mutation.req} is not FAILED:\n{output[-3000:]}"
    )
    where = f"stacks/{mutation.path}" + (f":{line}" if mutation.line else "")
    assert where in output, f"the failures do not name {where}:\n{output[-3000:]}"
    assert run.record is not None, f"no run record:\n{output[-3000:]}"
    assert not (missing := missing_evidence(run.record)), "failures without evidence:\n  " + "\n  ".join(missing)
    failed = [c for c in run.record["checks"] if c["outcome"] == "failed" and mutation.req in c["req"]]
    assert any(where in json.dumps(c["evidence"], ensure_ascii=False) for c in failed), (
        f"no failed {mutation.req} check records {where} in its evidence:\n"
        + "\n".join(json.dumps(c["evidence"], ensure_ascii=False)[:500] for c in failed)
    )
