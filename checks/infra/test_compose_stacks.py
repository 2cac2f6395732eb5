"""INFRA-03: the homelab is two Compose projects, cortex and synapse, that render with their .env.example,
read only documented variables, and pin every image (a version tag or a digest, never `latest`), so that a
stack deployed again tomorrow runs what was tested today."""

import pytest

from orion.expect import At, expect, expect_none, expect_success
from orion.probes import validators
from orion.probes.composespec import Image, variables

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("INFRA-03")]


def test_the_stack_is_the_compose_project_of_its_node(stack):
    expect(stack.doc.data.get("name"), stack.node, "the compose project's name", where=stack.where("name"))


def test_docker_compose_renders_the_stack(stack):
    ran = validators.compose_config(stack)
    expect_success(ran, "docker compose cannot render the stack with .env.example", where=stack.relpath)


def test_every_image_is_pinned(stack):
    floating = [At(f"{s.name}: {s.image or '(no image)'}", s.where("image")) for s in stack.services.values()
                if not Image(s.image or "").pinned]  # fmt: skip
    expect_none(floating, "images without a version tag or digest, or tagged latest")


def test_env_example_lists_every_variable(stack):
    unlisted = sorted({At(name, where) for name, where in variables(stack) if name not in stack.env})
    expect_none(unlisted, "variables missing from .env.example")
