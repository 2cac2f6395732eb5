"""The lab's inventory follows its state dir: `orion lab up` renders the template lab/inventory.yml into
<state>/lab/inventory.yml, and inventory resolution picks that file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orion import inventory
from orion.lab import credentials, render


@pytest.fixture
def lab(state: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lab state dir with its secrets and a stand-in SSH key, as `orion lab up` leaves them."""
    monkeypatch.delenv("ORION_INVENTORY", raising=False)
    monkeypatch.setattr(inventory, "SYSTEM_INVENTORY", state / "absent.yml")
    credentials.ensure_secrets()
    key = state / "lab" / "ssh" / "id_ed25519"
    key.parent.mkdir(parents=True)
    fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    return state / "lab"


def test_the_rendered_inventory_points_at_the_state_dir_and_is_the_default(lab: Path):
    assert inventory.resolve_path() == inventory.LAB_INVENTORY, "before `orion lab up`: the template, to explain"
    rendered = render.write_inventory()
    assert rendered == lab / "inventory.yml"
    assert inventory.resolve_path() == rendered
    assert render.LAB_STATE_TOKEN not in rendered.read_text()
    loaded = inventory.load()
    assert {h.key_file for h in loaded.hosts.values()} == {lab / "ssh" / "id_ed25519"}
    qbt = loaded.hosts["orion-cortex"].services["qbittorrent"]
    password = (lab / "secrets" / "qbittorrent_password").read_text().strip()
    assert qbt.password is not None and qbt.password.reveal() == password


def test_the_template_is_not_an_inventory_to_use_as_it_is():
    text = render.INVENTORY_TEMPLATE.read_text()
    assert "/var/lib/orion" not in text.split("\nall:", 1)[1], "paths come from the state dir, not the default one"
    assert render.LAB_STATE_TOKEN in text
