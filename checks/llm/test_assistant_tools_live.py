"""LLM-04 and LLM-05, live: Orion's assistant tools answer their named queries with data, from the homelab's
Prometheus (memory and swap per node, the HDD, backups) and Loki (errors per service, the night's jobs); the
routed answers carry those figures and cite their queries. When a source is down, the tool says which and why
(orion.assistant.tools.base.SourceDown): the check fails with that as its evidence."""

from datetime import datetime, timedelta

import pytest

from orion import state as state_mod
from orion.assistant import questions
from orion.assistant.tools import Context, logs, metrics
from orion.assistant.tools.base import SourceDown
from orion.expect import expect_that
from orion.outcomes import CannotObserve, SubjectDown

pytestmark = [pytest.mark.daily, pytest.mark.live]

#: The named queries that must hold data on any homelab with node-exporter on both nodes and the HDD mounted.
CORE = [("mem_total", "synapse"), ("mem_available", "synapse"), ("swap_total", "synapse"),
        ("mem_total", "cortex"), ("hdd_size", "synapse"), ("hdd_avail", "synapse")]  # fmt: skip


def down(inventory, exc: SourceDown) -> Exception:
    """The source is down (failed), unless the inventory does not name it: then Orion cannot tell (error)."""
    if exc.source in ("prometheus", "loki") and inventory.service(exc.source) is None:
        return CannotObserve(exc.reason)
    return SubjectDown(exc.source, exc.reason, f"orion.assistant.tools ({exc.source})")


@pytest.mark.req("LLM-04")
@pytest.mark.parametrize(("name", "of_node"), CORE, ids=[f"{n}-{node}" for n, node in CORE])
def test_a_named_promql_query_answers_with_data(node, inventory, name, of_node):
    try:
        result = metrics.run(inventory, name, of_node)
    except SourceDown as exc:
        raise down(inventory, exc) from None
    sized = name != "swap_total"  # a node may run without swap: 0 is an answer there
    expect_that(bool(result.data) and (result.data[0]["value"] > 0 or not sized), f"the named query {name} has no data",
                observed=result.data[:3], expected="at least one sample" + (" above 0" if sized else ""),
                where=result.source)  # fmt: skip


@pytest.mark.req("LLM-04")
def test_the_swap_answer_gives_prometheus_figures(node, inventory):
    ctx = Context(inventory, state_mod.locate())
    answer = questions.swap(ctx, "en")
    total = metrics.scalar(metrics.run(inventory, "mem_total", "synapse")) if not answer.down else None
    expect_that(not answer.down and "RAM:" in answer.text(), "the swap answer could not read Prometheus",
                observed=answer.down or answer.text()[:300], expected="RAM and swap figures, no source down",
                where=answer.sources[:1] or "prometheus")  # fmt: skip
    expect_that(total is not None and "GB" in answer.text(), "the swap answer has no memory size",
                observed=answer.text()[:300], expected=f"the node's memory ({total} bytes) in GB",
                where=answer.sources[0])  # fmt: skip


@pytest.mark.req("LLM-05")
def test_the_loki_tools_answer_their_named_queries(node, inventory):
    now = datetime.now().astimezone()
    try:
        held = logs.labels(inventory)
        jobs = logs.jobs(inventory, now - timedelta(hours=24), now)
        errors = logs.errors(inventory, now - timedelta(hours=24), now)
    except SourceDown as exc:
        raise down(inventory, exc) from None
    expect_that(isinstance(jobs.data, list) and isinstance(errors.data, list), "Loki's answers could not be read",
                observed={"labels": held, "jobs": jobs.data[:3], "errors": errors.data[:3]},
                expected="the jobs and the errors per service, as lists", where=jobs.source)  # fmt: skip


@pytest.mark.req("LLM-05")
def test_the_loki_tools_return_the_lines_loki_holds(node, inventory):
    now = datetime.now().astimezone()
    try:
        selector = logs.any_stream(inventory)
        if selector is None:
            pytest.skip("Loki holds no log stream: nothing ships logs to it yet (the log pipeline's requirement)")
        streams = logs.query_range(inventory, selector, now - timedelta(hours=24), now)
    except SourceDown as exc:
        raise down(inventory, exc) from None
    expect_that(any(s["lines"] for s in streams), "Loki holds streams but returned no line over the last 24 h",
                observed=len(streams), expected="at least one stream with lines",
                where=f"LogQL {selector} over 24 h")  # fmt: skip
