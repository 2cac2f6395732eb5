"""orion.probes.loki: query_range answers as streams."""

import pytest

from orion.probes.loki import Stream, parse_streams


def test_streams_keep_their_labels_newest_line_and_count():
    body = {"status": "success", "data": {"resultType": "streams", "result": [
        {"stream": {"node": "cortex", "job": "docker"}, "values": [["3000000000", "b"], ["1000000000", "a"]]},
        {"stream": {"node": "cortex", "job": "host"}, "values": []},
    ]}}  # fmt: skip
    assert parse_streams(body) == [Stream({"node": "cortex", "job": "docker"}, 3_000_000_000, 2)]
    assert parse_streams(body)[0].age_s(5_000_000_000) == 2.0


@pytest.mark.parametrize("body", [{"status": "error"}, [], {"status": "success", "data": {"resultType": "matrix"}}])
def test_anything_but_a_streams_answer_is_refused(body):
    with pytest.raises(ValueError):
        parse_streams(body)
