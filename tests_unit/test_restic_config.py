"""The restic job's backup.conf as the checks read it, and the job's metrics as Prometheus gives them."""

from __future__ import annotations

from pathlib import Path

import pytest

from orion.errors import ConfigError
from orion.probes.backup_config import BackupConfig
from orion.probes.backup_metrics import last_run


def test_the_stacks_backup_conf_reads_as_the_job_sources_it():
    config = BackupConfig.load()
    assert "/source/etc/cortex" in config.daily_sources and "/source/hdd/backups/volumes" in config.daily_sources
    assert config.number("DAILY_KEEP_DAILY") >= 7
    assert config.where("CANARY").startswith("stacks/synapse/restic/backup.conf:")


def test_a_line_that_is_not_key_value_names_its_file_and_line(tmp_path: Path):
    path = tmp_path / "backup.conf"
    path.write_text('# comment\nSOURCES_SYSTEM="etc"\nsources += more\n')
    with pytest.raises(ConfigError) as raised:
        BackupConfig.load(path)
    assert raised.value.line == 3


def test_a_missing_setting_or_a_bad_number_is_a_config_error(tmp_path: Path):
    path = tmp_path / "backup.conf"
    path.write_text('DAILY_KEEP_DAILY="seven"\n')
    config = BackupConfig.load(path)
    with pytest.raises(ConfigError, match="whole number"):
        config.number("DAILY_KEEP_DAILY")
    with pytest.raises(ConfigError, match="CANARY is not set"):
        config.words("CANARY")


class FakePrometheus:
    def __init__(self, result: list[dict]) -> None:
        self.result = result

    def json(self, path: str, **kwargs) -> dict:
        return {"status": "success", "data": {"result": self.result}}


def test_the_jobs_last_run_from_its_metrics():
    labels = {"kind": "daily", "repository": "local"}
    rows = [
        {"metric": {"__name__": "orion_backup_last_exit_code", **labels}, "value": [1, "3"]},
        {"metric": {"__name__": "orion_backup_last_success_timestamp_seconds", **labels}, "value": [1, "1000"]},
    ]
    run = last_run(FakePrometheus(rows), "daily", "local")  # type: ignore[arg-type]
    assert run is not None and run.exit_code == 3 and run.success_age_hours(1000 + 7200) == 2
    assert last_run(FakePrometheus([]), "daily", "local") is None  # type: ignore[arg-type]
