"""Compose's required variables, `${VAR:?message}` and `${VAR?message}`: a missing one fails as `docker compose`
fails, naming the file, its line and the variable, instead of reading as an empty string."""

from __future__ import annotations

from pathlib import Path

import pytest

from orion.errors import ConfigError
from orion.probes.compose import Stack, UnsetVariable, interpolate

COMPOSE = """\
services:
  web:
    image: nginx:1.27
    ports:
      - "${LAN_IP:?set LAN_IP in .env}:80:80"
    volumes:
      - ${APPDATA?}/web:/config
"""


@pytest.mark.parametrize(
    ("template", "env"),
    [("${X:?set X}", {}), ("${X:?set X}", {"X": ""}), ("${X?set X}", {}), ("a-${X:?}-b", {})],
)
def test_a_missing_required_variable_is_refused(template, env):
    with pytest.raises(UnsetVariable, match="required variable X is missing a value"):
        interpolate(template, env)


def test_an_empty_value_satisfies_the_colonless_form():
    assert interpolate("${X?set X}", {"X": ""}) == ""


def test_the_message_is_compose_s(write):
    with pytest.raises(UnsetVariable) as caught:
        interpolate("${CF_API_TOKEN:?set CF_API_TOKEN (Cloudflare token)}", {})
    assert str(caught.value) == "required variable CF_API_TOKEN is missing a value: set CF_API_TOKEN (Cloudflare token)"


def stack(write, env: str) -> Stack:
    compose: Path = write("stacks/cortex/compose.yml", COMPOSE)
    write("stacks/cortex/.env.example", env)
    return Stack("cortex", root=compose.parent.parent)


def test_a_stack_names_the_file_line_and_variable(write):
    web = stack(write, "APPDATA=/srv\n").service("web")
    with pytest.raises(ConfigError) as caught:
        web.ports  # noqa: B018
    error = caught.value
    assert (error.path.name, error.line) == ("compose.yml", 5)
    assert "required variable LAN_IP is missing a value: set LAN_IP in .env" in str(error)
    assert ".env.example" in str(error)


def test_the_colonless_form_at_its_line(write):
    web = stack(write, "LAN_IP=192.168.1.10\n").service("web")
    assert web.ports == ["192.168.1.10:80:80"]
    with pytest.raises(ConfigError, match=r"compose\.yml:7: required variable APPDATA is missing a value"):
        web.volumes  # noqa: B018


def test_every_required_variable_of_the_real_stacks_is_in_env_example():
    """The shipped .env.example files set every `${VAR:?}` their stack uses, so the gate reads them all."""
    for node in ("cortex", "synapse"):
        real = Stack(node)
        for service in real.services.values():
            for key in service.raw:
                service.get(key)
        real.networks  # noqa: B018
