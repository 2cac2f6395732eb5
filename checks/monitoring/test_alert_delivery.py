"""MON-03, delivery: a test alert sent through the running Alertmanager reaches Telegram, not only a route. The
lab's Telegram stand-in is read back (`GET /_standin/messages`); where the inventory's Telegram is the real one,
Alertmanager's counters of its Telegram integration stand as the proof (sent, and none failed)."""

import pytest

from orion.expect import expect_that
from orion.probes.delivery import (
    DeliveryAlert,
    receivers_without_telegram,
    resolve,
    send,
    telegram_counters,
    telegram_texts,
    wait_for,
)

pytestmark = [pytest.mark.req("MON-03"), pytest.mark.daily, pytest.mark.live]

#: Three times the critical route's group_wait (10 s): a message later than this did not get through.
DELIVERY_S = 30


def test_a_test_alert_reaches_telegram(service):
    alertmanager, telegram = service("alertmanager"), service("telegram")
    alert = DeliveryAlert("critical")
    recorded = telegram_texts(telegram)
    before = telegram_counters(alertmanager)
    send(alertmanager, alert)
    try:
        elsewhere = receivers_without_telegram(alertmanager, alert)
        expect_that(not elsewhere, f"the test alert {alert.name} is routed away from Telegram",
                    observed={"receivers": elsewhere}, expected="a receiver with telegram_configs")  # fmt: skip
        if recorded is not None:
            arrived = wait_for(lambda: any(alert.nonce in t for t in telegram_texts(telegram) or []), DELIVERY_S)
            expect_that(arrived, f"the test alert {alert.name} did not reach Telegram within {DELIVERY_S} s",
                        observed=(telegram_texts(telegram) or [])[-3:],
                        expected=f"a message naming {alert.nonce}")  # fmt: skip
        else:
            sent = wait_for(lambda: telegram_counters(alertmanager)[0] > before[0], DELIVERY_S)
            after = telegram_counters(alertmanager)
            expect_that(sent and after[1] == before[1],
                        f"Alertmanager did not send the test alert {alert.name} to Telegram within {DELIVERY_S} s",
                        observed={"sent": after[0] - before[0], "failed": after[1] - before[1]},
                        expected={"sent": ">= 1", "failed": 0})  # fmt: skip
    finally:
        resolve(alertmanager, alert)
