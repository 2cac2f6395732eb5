"""INFRA-03: the homelab is two Compose projects, cortex and synapse, that render with their .env.example,
read only documented variables, and pin every image (a version tag or a digest, never `latest`), so that a
stack deployed again tomorrow runs what was tested today."""

import pytest

from orion.expect import expect, expect_that
from orion.probes import validators
from orion.probes.composespec import Image, variables

pytestmark = [pytest.mark.static, pytest.mark.daily, pytest.mark.req("INFRA-03")]


def test_the_stack_is_the_compose_project_of_its_node(stack):
    expect(stack.doc.data.get("name"), stack.node, f"the compose project's name ({stack.where('name')})")


def test_docker_compose_renders_the_stack(stack):
    ran = validators.compose_config(stack)
    expect_that(ran.ok, f"docker compose cannot render {stack.relpath} with .env.example: {ran.summary()}")


def test_every_image_is_pinned(stack):
    floating = [f"{s.name}: {s.image or '(no image)'} ({s.where('image')})" for s in stack.services.values()
                if not Image(s.image or "").pinned]  # fmt: skip
    expect_that(not floating, f"images without a version tag or digest, or tagged latest: {'; '.join(floating)}")


def test_env_example_lists_every_variable(stack):
    unlisted = sorted({f"{name} ({where})" for name, where in variables(stack) if name not in stack.env})
    expect_that(not unlisted, f"variables missing from .env.example: {'; '.join(unlisted)}")
