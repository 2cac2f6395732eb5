"""MON-03's route walk follows Alertmanager's: matchers of every form, `continue`, inherited receivers, and time
intervals that mute a route or limit it to some hours. amtool (Debian's prometheus-alertmanager) is the oracle."""

from __future__ import annotations

import random
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from orion.outcomes import CannotObserve
from orion.probes.alertmanager import AlertmanagerConfig

RECEIVERS = ["default", "pager", "telegram-critical", "telegram-warning"]
TAIL = "receivers:\n" + "".join(
    f"  - name: {name}\n" + ("    telegram_configs: [{bot_token: x, chat_id: -1}]\n" if "telegram" in name else "")
    for name in RECEIVERS
)


@pytest.fixture
def config(tmp_path):
    def load(text: str) -> AlertmanagerConfig:
        path = tmp_path / "alertmanager.yml"
        path.write_text(textwrap.dedent(text) + TAIL)
        return AlertmanagerConfig(path)

    return load


def receivers(config: AlertmanagerConfig, **labels: str) -> list[str]:
    return [d.receiver for d in config.routes(labels)]


def test_continue_lets_an_alert_reach_later_siblings_too(config):
    am = config("""
        route:
          receiver: default
          routes:
            - {receiver: pager, matchers: ['severity="critical"'], continue: true}
            - {receiver: telegram-critical, matchers: ['severity="critical"']}
            - {receiver: telegram-warning, matchers: ['severity=~"critical|warning"']}
    """)
    assert receivers(am, severity="critical") == ["pager", "telegram-critical"]
    assert am.route({"severity": "critical"}).receiver == "pager"
    assert am.telegram_gap("critical") is None  # Telegram is reached, if not first


def test_without_continue_the_first_match_wins(config):
    am = config("""
        route:
          receiver: default
          routes:
            - {receiver: pager, matchers: ['severity="critical"']}
            - {receiver: telegram-critical, matchers: ['severity="critical"']}
    """)
    assert receivers(am, severity="critical") == ["pager"]
    assert "'pager', which sends nothing to Telegram" in (am.telegram_gap("critical") or "")


def test_regexes_are_anchored_in_matchers_and_match_re(config):
    am = config("""
        route:
          receiver: default
          routes:
            - {receiver: pager, match_re: {severity: crit}}
            - {receiver: telegram-warning, matchers: ['severity=~"warn"']}
            - {receiver: telegram-critical, match_re: {severity: "crit.*"}}
    """)
    assert receivers(am, severity="critical") == ["telegram-critical"]
    assert receivers(am, severity="warning") == ["default"]


def test_negative_and_combined_matchers(config):
    am = config("""
        route:
          receiver: default
          routes:
            - receiver: pager
              matchers: ['{severity="critical", team!="db"}', 'service!~"test-.*"']
            - {receiver: telegram-critical, match: {severity: critical}}
    """)
    assert receivers(am, severity="critical") == ["pager"]  # a missing label is "": team!="db", service!~ hold
    assert receivers(am, severity="critical", team="db") == ["telegram-critical"]
    assert receivers(am, severity="critical", service="test-x") == ["telegram-critical"]


def test_a_route_whose_children_do_not_match_delivers_itself_with_the_inherited_receiver(config):
    am = config("""
        route:
          receiver: telegram-warning
          routes:
            - matchers: [severity="critical"]
              routes:
                - {receiver: pager, matchers: [team="db"]}
    """)
    delivery = am.route({"severity": "critical"})
    assert delivery.receiver == "telegram-warning"
    assert delivery.where.endswith(":5")  # the child route (line 5), not the root


INTERVALS = """
    time_intervals:
      - name: always
        time_intervals: [{times: [{start_time: "00:00", end_time: "24:00"}]}]
      - name: anytime
        time_intervals: [{}]
      - name: never
        time_intervals: []
    mute_time_intervals:
      - name: weekends
        time_intervals: [{weekdays: [saturday, sunday], location: Europe/Paris}]
"""


@pytest.mark.parametrize(
    ("timing", "gap"),
    [
        ("mute_time_intervals: [always]", "muted during mute_time_intervals ['always']"),
        ("mute_time_intervals: [weekends]", "muted during mute_time_intervals ['weekends']"),  # legacy definition
        ("mute_time_intervals: [never]", None),  # an interval with no time in it mutes nothing
        ("active_time_intervals: [weekends]", "only active during active_time_intervals ['weekends']"),
        ("active_time_intervals: [weekends, anytime]", None),  # an empty time range is every time
        ("group_wait: 10s", None),
    ],
)
def test_a_route_muted_or_active_only_some_hours_does_not_always_reach_telegram(config, timing, gap):
    am = config(
        INTERVALS
        + f"""
    route:
      receiver: default
      routes:
        - receiver: telegram-critical
          matchers: [severity="critical"]
          {timing}
    """
    )
    found = am.telegram_gap("critical")
    if gap is None:
        assert found is None
    else:
        assert found is not None and gap in found and "only some of the time" in found


def test_time_intervals_are_not_inherited(config):
    am = config(
        INTERVALS
        + """
    route:
      receiver: default
      routes:
        - receiver: telegram-warning
          matchers: [severity=~"critical|warning"]
          mute_time_intervals: [always]
          routes:
            - {receiver: telegram-critical, matchers: [severity="critical"]}
    """
    )
    assert am.telegram_gap("critical") is None
    assert am.telegram_gap("warning") is not None


def test_an_unreadable_matcher_is_an_error_naming_where(config):
    am = config("""
        route:
          receiver: default
          routes:
            - {receiver: pager, matchers: ['severity critical']}
    """)
    with pytest.raises(CannotObserve, match=r"alertmanager.yml:5: cannot read the matcher 'severity critical'"):
        am.routes({"severity": "critical"})


# amtool as the oracle, on generated route trees.

AMTOOL = shutil.which("amtool")
MATCHERS = ['severity="critical"', 'severity!="warning"', 'severity=~"crit.*"', 'severity!~"warn"', 'team="db"',
            'team=~"db|web"', 'team!=""']  # fmt: skip
LABELS = [{"severity": "critical"}, {"severity": "warning"}, {"severity": "critical", "team": "db"}, {"team": "web"}]


def _tree(rng: random.Random, depth: int) -> dict:
    node: dict = {"matchers": rng.sample(MATCHERS, rng.randint(0, 2))}
    if rng.random() < 0.6:
        node["receiver"] = rng.choice(RECEIVERS)
    if rng.random() < 0.4:
        node["continue"] = True
    if depth and rng.random() < 0.6:
        node["routes"] = [_tree(rng, depth - 1) for _ in range(rng.randint(1, 3))]
    return node


@pytest.mark.skipif(AMTOOL is None, reason="amtool is not installed (Debian: prometheus-alertmanager)")
@pytest.mark.parametrize("seed", range(25))
def test_the_route_walk_agrees_with_amtool(tmp_path, seed):
    rng = random.Random(seed)
    root = {"receiver": "default", "routes": [_tree(rng, 2) for _ in range(rng.randint(1, 4))]}
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump({"route": root}) + TAIL)
    am = AlertmanagerConfig(Path(path))
    for labels in LABELS:
        argv = [
            str(AMTOOL),
            "config",
            "routes",
            "test",
            "--config.file",
            str(path),
            *(f"{k}={v}" for k, v in labels.items()),
        ]
        said = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=True).stdout.strip()
        assert receivers(am, **labels) == said.split(","), f"{labels} on\n{path.read_text()}"
