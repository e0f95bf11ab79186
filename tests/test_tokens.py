"""chatdex's own tokens for CJK and camelCase, and the fast test that decides who needs them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatdex import tokens
from chatdex.schema import load

ANALYZER = load().tokenizers["chat_text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zürich straße", [["zurich"], ["strasse"]]),
        ("提高睡眠质量", [["提"], ["高"], ["睡"], ["眠"], ["质"], ["量"]]),
        ("abc中文def", [["abc"], ["中"], ["文"], ["def"]]),
        ("한국어", [["한"], ["국"], ["어"]]),
        ("bedtimeReminderMinutes = 45", [["bedtimereminderminutes", "bedtime"], ["reminder"], ["minutes"], ["45"]]),
        ("getHTTPResponse", [["gethttpresponse", "get"], ["http"], ["response"]]),
        ("base64Encode", [["base64encode", "base64"], ["encode"]]),
        ("snake_case_name", [["snake"], ["case"], ["name"]]),
        ("HTTP2 ABC", [["http2"], ["abc"]]),
        ("x" * 64 + " kept", [["kept"]]),
    ],
)
def test_analyze(text: str, expected: list[list[str]]) -> None:
    assert tokens.analyze(ANALYZER, text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_the_fast_check_agrees_with_its_definition(text: str) -> None:
    assert tokens.needs_own_tokens(text) == (tokens._SPECIAL.search(text) is not None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_plain_text_is_tokenized_exactly_as_tantivy_does(text: str) -> None:
    # Queries always go through `analyze`; plain messages are tokenized by tantivy alone.
    if not tokens.needs_own_tokens(text):
        assert tokens.analyze(ANALYZER, text) == [[token] for token in ANALYZER.analyze(text)]


def test_pre_tokenized_positions_put_the_whole_identifier_beside_its_first_part() -> None:
    pre = tokens.pre_tokenized(ANALYZER, "use getHTTPResponse now")
    assert [(t.text, t.position) for t in pre.tokens] == [
        ("use", 0), ("gethttpresponse", 1), ("get", 1), ("http", 2), ("response", 3), ("now", 4),
    ]
    assert pre.text == "use getHTTPResponse now"
