"""The plugin, driven through pytester: markers, outcomes, exit codes, run record, redaction."""

import json

import pytest

from orion import redact

CHECK = """
import pytest
from orion.expect import expect
from orion.outcomes import CannotObserve, SubjectDown

@pytest.mark.req({req!r})
{markers}
def test_check():
    {body}
"""


def _check(pytester, body="pass", req="SEC-01", markers="@pytest.mark.critical\n@pytest.mark.static", name="test_x"):
    pytester.makepyfile(**{name: CHECK.format(req=req, markers=markers, body=body)})


def _run(pytester, state, *args):
    return pytester.runpytest(f"--state-dir={state}", "-p", "no:cacheprovider", *args)


def test_an_unknown_requirement_fails_collection_naming_test_and_id(pytester, state):
    _check(pytester, req="SEC-99")
    result = _run(pytester, state)
    assert result.ret == 2
    assert "test_x.py::test_check: unknown requirement 'SEC-99'" in result.stdout.str() + result.stderr.str()


def test_a_check_without_cadence_fails_collection(pytester, state):
    _check(pytester, markers="@pytest.mark.static")
    result = _run(pytester, state)
    assert result.ret == 2
    assert (
        "test_x.py::test_check: needs exactly one cadence marker (critical|daily|weekly), has none"
        in result.stdout.str() + result.stderr.str()
    )


def test_a_check_without_kind_or_with_two_fails_collection(pytester, state):
    _check(pytester, markers="@pytest.mark.daily\n@pytest.mark.static\n@pytest.mark.live")
    result = _run(pytester, state)
    assert result.ret == 2
    assert (
        "needs exactly one kind marker (static|live|disruptive), has ['static', 'live']"
        in result.stdout.str() + result.stderr.str()
    )


def test_a_disruptive_check_is_never_critical(pytester, state):
    _check(pytester, markers="@pytest.mark.critical\n@pytest.mark.disruptive")
    assert _run(pytester, state).ret == 2


def test_a_future_requirement_takes_no_check(pytester, state):
    _check(pytester, req="LLM-06")
    assert _run(pytester, state).ret == 2


def test_a_typo_in_a_marker_fails_with_strict_markers(pytester, state):
    _check(pytester, markers="@pytest.mark.critcal\n@pytest.mark.static")
    result = _run(pytester, state, "--strict-markers")
    assert result.ret != 0
    assert "'critcal' not found in `markers`" in result.stdout.str()


def test_passing_checks_exit_0_and_write_the_record(pytester, state):
    _check(pytester, body="expect(1, 1, 'one is one')")
    result = _run(pytester, state)
    assert result.ret == 0
    record = json.loads((state / "runs" / "latest.json").read_text())
    assert record["schema"] == "orion.run/1"
    assert record["summary"] == {"passed": 1, "failed": 0, "error": 0, "skipped": 0, "remediated": 0}
    check = record["checks"][0]
    assert check["req"] == ["SEC-01"] and check["outcome"] == "passed" and check["evidence"]["observed"] == 1
    assert (state / "runs" / f"{record['run_id']}.json").read_text() == (state / "runs" / "latest.json").read_text()
    result.stdout.fnmatch_lines([f"orion: run record {state}/runs/{record['run_id']}.json"])


def test_an_assertion_is_failed_and_exits_1(pytester, state):
    _check(pytester, body="expect('yes', 'no', 'sshd accepts password logins')")
    result = _run(pytester, state)
    assert result.ret == 1
    check = json.loads((state / "runs" / "latest.json").read_text())["checks"][0]
    assert check["outcome"] == "failed"
    assert check["message"] == "sshd accepts password logins (observed 'yes', expected 'no')"
    assert check["evidence"] == {"observed": "yes", "expected": "no"}


def test_cannot_observe_is_error_exits_3_in_one_line(pytester, state):
    _check(pytester, body="raise CannotObserve('ssh orion@192.0.2.1:2222: unreachable (timed out)')")
    result = _run(pytester, state)
    assert result.ret == 3
    output = result.stdout.str()
    assert "Traceback" not in output and "raise CannotObserve" not in output
    result.stdout.fnmatch_lines(["*test_x.py::test_check: ssh orion@192.0.2.1:2222: unreachable (timed out)"])
    assert json.loads((state / "runs" / "latest.json").read_text())["summary"]["error"] == 1


def test_an_error_in_a_fixture_is_error_too(pytester, state):
    pytester.makeconftest("""
import pytest
from orion.outcomes import CannotObserve

@pytest.fixture
def unreachable():
    raise CannotObserve("docker unix:///nope: unreachable")
""")
    _check(pytester, body="pass")
    pytester.makepyfile(
        test_x=CHECK.format(req="SEC-01", markers="@pytest.mark.critical\n@pytest.mark.static", body="pass").replace(
            "def test_check():", "def test_check(unreachable):"
        )
    )
    result = _run(pytester, state)
    assert result.ret == 3


DOWN = "raise SubjectDown('prometheus', 'connection refused', 'GET http://127.0.0.1:9/api/v1/targets')"


def test_a_subject_down_is_failed_with_its_evidence_in_one_line(pytester, state):
    _check(pytester, body=DOWN)
    result = _run(pytester, state)
    assert result.ret == 1
    assert "Traceback" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*test_x.py::test_check: prometheus is down: connection refused (GET http*"])
    check = json.loads((state / "runs" / "latest.json").read_text())["checks"][0]
    assert check["outcome"] == "failed"
    assert check["message"] == "prometheus is down: connection refused (GET http://127.0.0.1:9/api/v1/targets)"
    assert check["evidence"]["observed"] == "connection refused"
    assert check["evidence"]["source"] == "GET http://127.0.0.1:9/api/v1/targets"


def test_a_subject_found_down_by_a_fixture_is_failed_too(pytester, state):
    pytester.makeconftest(f"""
import pytest
from orion.outcomes import SubjectDown

@pytest.fixture
def prometheus():
    {DOWN}
""")
    pytester.makepyfile(
        test_x=CHECK.format(req="MON-01", markers="@pytest.mark.critical\n@pytest.mark.live", body="pass").replace(
            "def test_check():", "def test_check(prometheus):"
        )
    )
    result = _run(pytester, state)
    assert result.ret == 1
    result.assert_outcomes(failed=1)
    check = json.loads((state / "runs" / "latest.json").read_text())["checks"][0]
    assert (check["outcome"], check["evidence"]["observed"]) == ("failed", "connection refused")


def test_every_host_fact_has_a_fixture_of_its_name():
    from orion.plugin import facts as fact_fixtures
    from orion.probes.facts import FACTS

    fixtures = {name for name, value in vars(fact_fixtures).items() if type(value).__name__.startswith("Fixture")}
    assert fixtures == set(FACTS), "orion/plugin/facts.py needs one fixture per fact of orion/probes/facts.py"


def test_failures_win_over_errors(pytester, state):
    _check(pytester, body="raise CannotObserve('timeout')", name="test_a")
    _check(pytester, body="assert False, 'wrong'", name="test_b")
    result = _run(pytester, state)
    assert result.ret == 1
    summary = json.loads((state / "runs" / "latest.json").read_text())["summary"]
    assert (summary["failed"], summary["error"]) == (1, 1)


def test_a_skip_keeps_its_reason(pytester, state):
    _check(pytester, body="pytest.skip('no HDD on this node')")
    assert _run(pytester, state).ret == 0
    check = json.loads((state / "runs" / "latest.json").read_text())["checks"][0]
    assert (check["outcome"], check["message"]) == ("skipped", "no HDD on this node")


def test_a_broken_check_is_error_not_failed(pytester, state):
    _check(pytester, body="{}['missing']")
    assert _run(pytester, state).ret == 3
    check = json.loads((state / "runs" / "latest.json").read_text())["checks"][0]
    assert check["outcome"] == "error" and check["message"].startswith("the check broke: KeyError")


def test_plain_tests_are_not_checks_and_write_no_record(pytester, state):
    pytester.makepyfile(test_plain="def test_plain():\n    assert True\n")
    assert _run(pytester, state).ret == 0
    assert not (state / "runs").exists()


def test_the_terminal_shows_one_line_per_requirement_then_a_summary(pytester, state):
    _check(pytester, body="assert False, 'sshd accepts password logins'", name="test_a")
    _check(pytester, req="MON-01", body="pass", name="test_b")
    result = _run(pytester, state)
    result.stdout.fnmatch_lines([
        "*orion*", "MONITORING", "  MON-01 *PASSED*1 check passed", "SECURITY",
        "  SEC-01 *FAILED*sshd accepts password logins", "Orion: 2 requirements, 2 checks — passed 1 · failed 1*",
    ])  # fmt: skip


@pytest.mark.parametrize("secret", ["hunter2-s3cret", "1234567890:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0"])
def test_secrets_never_reach_the_record_history_or_terminal(pytester, state, secret):
    redact.register("hunter2-s3cret")
    _check(pytester, body=f"expect({secret!r}, 'x', 'token {secret} leaked into a message')")
    result = _run(pytester, state, "-k", "check")
    everywhere = result.stdout.str() + result.stderr.str() + (state / "runs" / "latest.json").read_text()
    everywhere += (state / "history.sqlite").read_bytes().decode("latin-1")
    assert secret not in everywhere
    assert "***" in (state / "runs" / "latest.json").read_text()


def test_a_waived_requirement_is_skipped_on_that_host_with_its_reason(pytester, state):
    inventory = pytester.path / "inventory.yml"
    inventory.write_text(
        "all:\n  hosts:\n    lab-a:\n      orion_node: cortex\n      orion_waivers: {SEC-03: the lab has no tailnet}\n"
        "    pi-b:\n      orion_node: synapse\n"
    )
    pytester.makepyfile(
        test_w="import pytest\n\n@pytest.mark.req('SEC-03')\n@pytest.mark.critical\n@pytest.mark.live\n"
        "def test_tailscale(node):\n    assert node.name != 'pi-b', 'tailscale is down'\n"
    )
    result = _run(pytester, state, f"--inventory={inventory}")
    assert result.ret == 1
    checks = {c["host"]: c for c in json.loads((state / "runs" / "latest.json").read_text())["checks"]}
    assert checks["lab-a"]["outcome"] == "skipped"
    assert checks["lab-a"]["message"] == "SEC-03 is waived on lab-a: the lab has no tailnet"
    assert checks["pi-b"]["outcome"] == "failed"


def test_req_selects_the_checks_of_one_requirement(pytester, state):
    _check(pytester, req="SEC-01", name="test_a")
    _check(pytester, req="MON-01", name="test_b")
    assert _run(pytester, state, "--req", "MON-01").ret == 0
    assert [c["req"] for c in json.loads((state / "runs" / "latest.json").read_text())["checks"]] == [["MON-01"]]
    assert _run(pytester, state, "--req", "NOPE-01").ret == 2
