"""The expect helpers: each failure says what was observed, what was expected and where, in its message and in
the evidence; and the audit that finds failures recorded without that evidence."""

from __future__ import annotations

import pytest

from orion import evidence
from orion.errors import ConfigError
from orion.evidence_audit import missing_evidence
from orion.expect import At, expect, expect_contains, expect_in, expect_none, expect_success, expect_that
from orion.outcomes import CannotObserve, SubjectDown

WHERE = "stacks/cortex/compose.yml:12"


@pytest.fixture
def ev() -> evidence.Evidence:
    return evidence.begin()


def _fails(call, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)
    return str(info.value)


def test_expect_names_observed_place_and_expected(ev):
    message = _fails(expect, "openvpn", "wireguard", "Gluetun's VPN_TYPE", where=WHERE)
    assert message == f"Gluetun's VPN_TYPE (observed 'openvpn' at {WHERE}, expected 'wireguard')"
    assert ev.as_dict() == {"observed": "openvpn", "expected": "wireguard", "source": WHERE}


def test_an_absent_value_is_recorded_as_observed(ev):
    _fails(expect, None, "wireguard", "Gluetun's VPN_TYPE", where=WHERE)
    assert ev.as_dict()["observed"] is None and missing_evidence(_record("failed", ev)) == []


def test_expect_that_requires_observed_and_expected(ev):
    with pytest.raises(TypeError):
        expect_that(False, "no observed")  # type: ignore[call-arg]
    message = _fails(expect_that, False, "the backend is not internal", observed={"internal": False},
                     expected={"internal": True}, where=WHERE)  # fmt: skip
    assert message == f"the backend is not internal (observed {{'internal': False}} at {WHERE})"
    assert ev.as_dict() == {"observed": {"internal": False}, "expected": {"internal": True}, "source": WHERE}


def test_expect_that_shortens_a_long_observed_value_in_the_message_only(ev):
    big = ["x" * 50] * 20
    message = _fails(expect_that, False, "too much", observed=big, expected=[])
    assert len(message) < 300 and message.endswith("…)")
    assert ev.as_dict()["observed"] == big


def test_expect_none_lists_each_offender_with_its_place(ev):
    offenders = [At("radarr", "stacks/cortex/compose.yml:40"), At("sonarr", "stacks/cortex/compose.yml:60")]
    message = _fails(expect_none, offenders, "no mem_limit")
    assert message == "no mem_limit: radarr (stacks/cortex/compose.yml:40); sonarr (stacks/cortex/compose.yml:60)"
    assert ev.as_dict() == {
        "observed": ["radarr (stacks/cortex/compose.yml:40)", "sonarr (stacks/cortex/compose.yml:60)"],
        "expected": [],
        "source": ["stacks/cortex/compose.yml:40", "stacks/cortex/compose.yml:60"],
    }


def test_expect_none_takes_plain_values_and_mappings_with_one_place(ev):
    assert _fails(expect_none, ["vpn"], "networks missing", where=WHERE) == f"networks missing ({WHERE}): vpn"
    assert ev.as_dict() == {"observed": ["vpn"], "expected": [], "source": WHERE}
    assert _fails(expect_none, {"loki": "exited"}, "containers are down") == "containers are down: loki: exited"
    assert ev.as_dict()["observed"] == {"loki": "exited"} and ev.as_dict()["expected"] == {}


def test_expect_none_passes_on_nothing_and_still_records(ev):
    expect_none([], "no mem_limit", where=WHERE)
    assert ev.as_dict() == {"observed": [], "expected": [], "source": WHERE}


def test_expect_contains_and_expect_in(ev):
    message = _fails(expect_contains, {"NET_RAW"}, "NET_ADMIN", "Gluetun lacks the capability", where=WHERE)
    assert message == f"Gluetun lacks the capability (observed ['NET_RAW'] at {WHERE}, expected it to hold 'NET_ADMIN')"
    assert ev.as_dict()["expected"] == {"contains": "NET_ADMIN"}
    expect_contains({"smartd": 1, "sshd": 2}, "sshd", "sshd runs")
    assert ev.as_dict()["observed"] == ["smartd", "sshd"]
    message = _fails(expect_in, "allow", {"deny", "reject"}, "ufw's incoming policy")
    assert message == "ufw's incoming policy (observed 'allow', expected one of ['deny', 'reject'])"
    assert ev.as_dict()["expected"] == {"one of": ["deny", "reject"]}


class _Ran:
    def __init__(self, rc: int, output: str) -> None:
        self.rc, self.output = rc, output

    def summary(self, lines: int = 3) -> str:
        return self.output or f"exit {self.rc}, no output"


def test_expect_success_quotes_the_tool(ev):
    evidence.source("yamllint -s . (in stacks/synapse)")
    message = _fails(expect_success, _Ran(1, "blackbox.yml:1:10: trailing spaces"), "yamllint finds problems")
    assert message == "yamllint finds problems: blackbox.yml:1:10: trailing spaces"
    assert ev.as_dict() == {"observed": "exit 1: blackbox.yml:1:10: trailing spaces", "expected": "exit 0",
                            "source": "yamllint -s . (in stacks/synapse)"}  # fmt: skip
    expect_success(_Ran(0, ""), "fine")
    assert ev.as_dict()["observed"] == "exit 0"


def test_the_failing_assertion_replaces_what_a_passing_one_recorded(ev):
    expect("airvpn", "airvpn", "provider", where="a.yml:1")
    _fails(expect, "openvpn", "wireguard", "type", where="a.yml:2")
    assert ev.as_dict() == {"observed": "openvpn", "expected": "wireguard", "source": ["a.yml:2", "a.yml:1"]}


def test_outside_a_check_nothing_is_recorded():
    evidence._current.set(None)
    expect(1, 1, "one")
    assert evidence.current() is None


def test_a_check_that_could_not_observe_records_why_and_where(ev, tmp_path):
    evidence.source("GET http://127.0.0.1:9090/api/v1/targets")
    ev.could_not_observe(CannotObserve("Prometheus has not scraped orion-cortex:9100 yet"))
    assert ev.as_dict() == {"observed": "CannotObserve: Prometheus has not scraped orion-cortex:9100 yet",
                            "source": "GET http://127.0.0.1:9090/api/v1/targets"}  # fmt: skip
    fresh = evidence.begin()
    fresh.could_not_observe(ConfigError(tmp_path / "compose.yml", 7, "duplicate key 'ports'"))
    assert fresh.as_dict()["source"] == f"{tmp_path}/compose.yml:7"
    assert missing_evidence(_record("error", fresh)) == []


def test_explain_completes_the_evidence_of_any_check_that_did_not_pass(ev):
    evidence.source("GET http://127.0.0.1:9093/api/v2/status")
    ev.explain(SubjectDown("alertmanager", "connection refused", "GET http://127.0.0.1:9093/api/v2/status"))
    assert ev.as_dict() == {"observed": "connection refused", "expected": "alertmanager up",
                            "source": "GET http://127.0.0.1:9093/api/v2/status"}  # fmt: skip
    assert missing_evidence(_record("failed", ev)) == []
    _fails(expect, "yes", "no", "sshd accepts password logins", where="ssh cortex: sshd -T")
    ev.explain(AssertionError("sshd accepts password logins"))
    assert ev.as_dict()["observed"] == "yes", "an expect failure keeps what it recorded"
    ev.explain(CannotObserve("ssh orion@192.0.2.1:2222: timed out"))
    assert ev.as_dict()["observed"] == "CannotObserve: ssh orion@192.0.2.1:2222: timed out"
    assert "expected" not in ev.as_dict()


def test_a_broken_check_is_located_where_it_raised():
    ev = evidence.begin()
    try:
        {}["missing"]
    except KeyError as exc:
        ev.could_not_observe(exc)
    assert ev.as_dict()["observed"] == "KeyError: 'missing'"
    assert ev.as_dict()["source"].startswith("tests_unit/test_expect.py:")


def _record(outcome: str, ev: evidence.Evidence, nodeid: str = "checks/x.py::test_y") -> dict:
    return {"checks": [{"nodeid": nodeid, "outcome": outcome, "evidence": ev.as_dict()}]}


def test_missing_evidence_names_each_failure_without_it():
    record = {"checks": [
        {"nodeid": "a", "outcome": "passed", "evidence": {}},
        {"nodeid": "b", "outcome": "failed", "evidence": {"observed": 1, "expected": 2, "source": "f:1"}},
        {"nodeid": "c", "outcome": "failed", "evidence": {"observed": None, "expected": [], "source": ["f:1"]}},
        {"nodeid": "d", "outcome": "failed", "evidence": {"source": "f:1"}},
        {"nodeid": "e", "outcome": "error", "evidence": {"observed": "refused", "source": ""}},
        {"nodeid": "f", "outcome": "error"},
        {"nodeid": "g", "outcome": "skipped", "evidence": {}},
    ]}  # fmt: skip
    assert missing_evidence(record) == [
        "d (failed): no observed, expected",
        "e (error): no source",
        "f (error): no observed, source",
    ]
