"""Telegram's HTML read back as Telegram reads it: allowed tags only, closed in order, four named entities, and
the length counted on the visible text in UTF-16 code units."""

from __future__ import annotations

import pytest

from orion.report.digest import telegram_length
from orion.report.entities import ORION_TAGS, TelegramHTMLError, parse


def test_tags_do_not_count_and_an_entity_counts_one():
    assert telegram_length("<b>a</b> &lt;b&gt; &amp; &quot;") == len('a <b> & "')
    assert telegram_length('<a href="https://x">link</a><code>c</code><pre>p</pre><i>i</i>') == 7


def test_characters_outside_the_bmp_count_two_as_telegram_counts_them():
    assert telegram_length("✅") == 1 and telegram_length("🔴") == 2 and telegram_length("&#x1F534;") == 2


@pytest.mark.parametrize("bad", [
    "<script>x</script>", "<b>open", "<b><i>x</b></i>", "</b>", "&nbsp;", "a < b", "<br/>", "<!-- c -->",
    "<a>no href</a>", "&amp",
])  # fmt: skip
def test_what_telegram_would_refuse_is_refused(bad):
    with pytest.raises(TelegramHTMLError):
        parse(bad, ORION_TAGS)


def test_numeric_entities_and_a_lone_greater_than_are_fine():
    assert parse("5 &#62; 3 &#x27;ok&#x27; > 2") == "5 > 3 'ok' > 2"
