"""Benchmark: N SEC/INFRA-type host checks over SSH, against the floor of one plain SSH session.

It starts the local rig (real sshd on 127.0.0.1:2222, node_exporter, Prometheus: orion.localrig),
writes N checks, and runs them three ways:
  orion     - Orion's way: facts gathered for the host in one round trip, one connection for the run;
  testinfra - the usual testinfra way: `host.run(...)` per check, testinfra's own plugin;
  floor     - a plain script: one SSH connection, every probe command in one exec.
It prints wall time, time inside the run, peak RSS, SSH connections (from sshd's log) and the ratio to the floor.
Run: `make bench` (root; the rig needs sshd, prometheus and prometheus-node-exporter).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orion.localrig import LocalRig
from orion.probes.facts import FACTS

N = int(os.environ.get("ORION_BENCH_CHECKS", "20"))
# (fact, expression the check asserts): SEC/INFRA-type probes, most facts read by several checks.
PROBES = [
    ("sshd_config", "value['passwordauthentication'] == 'no'"),
    ("sshd_config", "value['port'] == '2222'"),
    ("sshd_config", "value['kbdinteractiveauthentication'] == 'no'"),
    ("sshd_config", "'ssh-ed25519' in value['pubkeyacceptedalgorithms']"),
    ("os_release", "value['ID'] == 'debian'"),
    ("kernel", "value"),
    ("mounts", "'/' in value"),
    ("disk_usage", "value['/']['size'] > 0"),
    ("meminfo", "value['MemTotal'] > 0"),
    ("listening", "any(port == 2222 for _, _, port in value)"),
]

ORION_CHECK = """
@pytest.mark.req("SEC-01")
@pytest.mark.critical
@pytest.mark.live
def test_probe_{i}({fact}):
    value = {fact}
    assert {expr}
"""

TESTINFRA_CHECK = """
def test_probe_{i}(host):
    out = host.run({command!r}).stdout
    value = FACTS[{fact!r}].parse(out)
    assert {expr}
"""


def probes(n: int) -> list[tuple[str, str]]:
    return [PROBES[i % len(PROBES)] for i in range(n)]


def write_suites(where: Path, n: int) -> tuple[Path, Path]:
    orion_suite = where / "test_orion_bench.py"
    orion_suite.write_text(
        "import pytest\n" + "".join(ORION_CHECK.format(i=i, fact=f, expr=e) for i, (f, e) in enumerate(probes(n)))
    )
    testinfra_suite = where / "test_testinfra_bench.py"
    header = "from orion.probes.facts import FACTS\n"
    testinfra_suite.write_text(
        header
        + "".join(
            TESTINFRA_CHECK.format(i=i, fact=f, expr=e, command=FACTS[f].command) for i, (f, e) in enumerate(probes(n))
        )
    )
    return orion_suite, testinfra_suite


FLOOR = """
import base64, sys, time, paramiko
t0 = time.perf_counter()
client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
client.connect("127.0.0.1", port=2222, username="root", key_filename=sys.argv[1],
               allow_agent=False, look_for_keys=False)
script = "\\n".join(f"echo ==; {c}" for c in sys.argv[2:])
_, out, _ = client.exec_command(script)
out.read(); out.channel.recv_exit_status()
client.close()
print(f"inside {time.perf_counter() - t0:.3f}")
"""


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, peak RSS (MB) of this child alone (wait4), output."""
    with tempfile.TemporaryFile("w+") as out:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, text=True, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if process.returncode != 0:
        sys.exit(f"bench: {' '.join(argv[2:6])} failed ({process.returncode}):\n{output[-3000:]}")
    return wall, usage.ru_maxrss / 1024, output


def inside(output: str) -> float:
    """The time the run itself took, as pytest or the floor script reports it."""
    match = re.search(r"inside ([\d.]+)", output) or re.search(r" in ([\d.]+)s", output)
    return float(match.group(1)) if match else float("nan")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="orion-bench-") as tmp:
        root = Path(tmp)
        rig = LocalRig(root / "rig").up()
        try:
            orion_suite, testinfra_suite = write_suites(root, N)
            env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
            common = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--rootdir={root}"]
            variants = {
                "orion": [*common, "-p", "orion.plugin", str(orion_suite), f"--inventory={rig.inventory}",
                          "--orion-node=cortex", f"--state-dir={root / 'state'}"],
                "testinfra": [*common, "-p", "testinfra.plugin", str(testinfra_suite),
                              "--hosts=paramiko://root@127.0.0.1:2222", f"--ssh-identity-file={rig.key}"],
                "floor": [sys.executable, "-c", FLOOR, str(rig.key), *(FACTS[f].command for f, _ in probes(N))],
            }  # fmt: skip
            rows = {}
            for name, argv in variants.items():
                accepted = rig.sshd_log.read_text().count("Accepted publickey")
                wall, rss, output = run(argv, env)
                connections = rig.sshd_log.read_text().count("Accepted publickey") - accepted
                rows[name] = (wall, inside(output), rss, connections)
        finally:
            rig.down()
    floor_wall, floor_inside = rows["floor"][0], rows["floor"][1]
    print(f"{N} host checks on one host (local sshd on 127.0.0.1:2222), {os.cpu_count()} cores")
    print(f"{'variant':<10} {'wall s':>7} {'run s':>7} {'peak RSS MB':>12} {'ssh conns':>10} {'x floor (wall)':>15} "
          f"{'x floor (run)':>14}")  # fmt: skip
    for name, (wall, run_s, rss, conns) in rows.items():
        print(f"{name:<10} {wall:7.2f} {run_s:7.2f} {rss:12.0f} {conns:10d} {wall / floor_wall:15.1f} "
              f"{run_s / floor_inside:14.1f}")  # fmt: skip
    print("wall: the whole process (interpreter, imports, collection); run: what pytest or the script reports")
    print("budgets (DESIGN.md): one SSH connection per host, peak RSS <= 150 MB, within 2x of the floor")


if __name__ == "__main__":
    main()
