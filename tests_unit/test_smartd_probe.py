"""MAINT-03's probe: which disks smartd watches, read from `smartd -q showtests` (smartmontools 7.3's formats)."""

from __future__ import annotations

from orion.probes import smartd
from orion.probes.facts import FACTS

HEADER = (
    "smartd 7.3 2022-02-28 r5338 [aarch64-linux-6.6.51+rpt-rpi-v8] (local build)\n"
    "Copyright (C) 2002-22, Bruce Allen, Christian Franke, www.smartmontools.org\n\n"
    "Opened configuration file /etc/smartd.conf\n"
    "Configuration file /etc/smartd.conf was parsed, found DEVICESCAN, scanning devices\n"
)
WATCHING = HEADER + (
    "Device: /dev/sda [SAT], opened\n"
    "Device: /dev/sda [SAT], WDC WD40EFRX-68N32N0, S/N:WD-WCC7K0000000, WWN:5-0014ee-000000000, FW:82.00A82, 4.00 TB\n"
    "Device: /dev/sda [SAT], found in smartd database 7.3/5319: Western Digital Red\n"
    'Device: /dev/sda [SAT], is SMART capable. Adding to "monitor" list.\n'
    "Monitoring 1 ATA/SATA, 0 SCSI/SAS and 0 NVMe devices\n\n"
    "Next scheduled self tests (at most 5 of each type per device):\n"
    "Device: /dev/sda [SAT], will do test 1 of type S at Thu Dec  3 02:00:00 2026 CET\n"
    "Device: /dev/sda [SAT], will do test 1 of type L at Sat Dec  5 03:00:00 2026 CET\n\n"
    "Totals [Wed Dec  2 16:30:00 2026 CET - Wed Mar  2 16:30:00 2027 CET]:\n"
    "Device: /dev/sda [SAT], will do  90 tests of type S\n"
    "Device: /dev/sda [SAT], will do  13 tests of type L\n"
    "Device: /dev/sda [SAT], will do   0 tests of type C\n"
)
# The lab (and a Pi whose USB disk dropped off): smartd -q never keeps running, watching nothing.
NO_DISK = HEADER + (
    "In the system's table of devices NO devices found to scan\n"
    "Unable to monitor any SMART enabled devices. Exiting...\n"
)
# Registered, but smartd.conf schedules nothing (-s missing).
NO_TESTS = HEADER + (
    'Device: /dev/sda [SAT], is SMART capable. Adding to "monitor" list.\n'
    "Monitoring 1 ATA/SATA, 0 SCSI/SAS and 0 NVMe devices\n\n"
    "Next scheduled self tests (at most 5 of each type per device):\n\n"
    "Totals [Wed Dec  2 16:30:00 2026 CET - Wed Mar  2 16:30:00 2027 CET]:\n"
    "Device: /dev/sda [SAT], will do   0 tests of type S\n"
    "Device: /dev/sda [SAT], will do   0 tests of type L\n"
)


def test_the_hdd_through_its_usb_bridge_with_its_short_and_long_tests():
    assert smartd.watched(WATCHING) == {"/dev/sda [SAT]": {"S", "L"}}  # C totals 0: not scheduled


def test_a_smartd_that_found_no_disk_watches_nothing():
    assert smartd.watched(NO_DISK) == {}
    assert smartd.watched("") == {}


def test_the_fact_is_smartd_s_showtests_as_root_and_no_disk_is_an_answer():
    spec = FACTS["smartd_watched"]
    assert spec.command == "smartd -q showtests" and spec.sudo and 17 in spec.ok
    assert spec.parse(WATCHING) == {"/dev/sda [SAT]": {"S", "L"}}


def test_a_registered_disk_without_a_schedule():
    # The totals list every type, even at 0: only the "will do test N of type X at" lines are scheduled tests.
    assert smartd.watched(NO_TESTS) == {"/dev/sda [SAT]": set()}
