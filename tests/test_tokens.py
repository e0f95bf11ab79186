"""chatdex's own tokens for CJK and camelCase, and the fast test that decides who needs them."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatdex import tokens
from chatdex.schema import load

ANALYZER = load().tokenizers["chat_text"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Zürich straße", [("zurich", ["zurich"]), ("strasse", ["strasse"])]),
        ("提高睡眠质量", [("提高睡眠质量", ["提", "高", "睡", "眠", "质", "量"])]),
        ("abc中文def", [("abc中文def", ["abc", "中", "文", "def"])]),
        ("한국어", [("한국어", ["한", "국", "어"])]),
        (
            "bedtimeReminderMinutes = 45",
            [("bedtimereminderminutes", ["bedtime", "reminder", "minutes"]), ("45", ["45"])],
        ),
        ("getHTTPResponse", [("gethttpresponse", ["get", "http", "response"])]),
        ("base64Encode", [("base64encode", ["base64", "encode"])]),
        ("snake_case_name", [("snake", ["snake"]), ("case", ["case"]), ("name", ["name"])]),
        ("HTTP2 ABC", [("http2", ["http2"]), ("abc", ["abc"])]),
        ("x" * 64 + " kept", [("kept", ["kept"])]),
    ],
)
def test_analyze(text: str, expected: list[tuple[str, list[str]]]) -> None:
    assert tokens.analyze(ANALYZER, text) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_the_fast_check_agrees_with_its_definition(text: str) -> None:
    definition = re.compile(f"[{tokens._CJK_CLASS}]|[a-z0-9][A-Z]|[A-Z][A-Z][a-z]")
    assert tokens.needs_own_tokens(text) == (definition.search(text) is not None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_plain_text_is_tokenized_exactly_as_tantivy_does(text: str) -> None:
    # Queries always go through `analyze`; plain messages are tokenized by tantivy alone.
    if not tokens.needs_own_tokens(text):
        assert tokens.analyze(ANALYZER, text) == [(token, [token]) for token in ANALYZER.analyze(text)]


def test_extra_tokens_hold_only_the_split_words_with_gaps_between_them() -> None:
    extra = tokens.extra_tokens(ANALYZER, "use getHTTPResponse and 提高睡眠 now, or setX")
    assert extra is not None and extra.text == ""
    # A CJK run on its own is not among them: it goes whole to the `_cjk` field.
    assert [(t.text, t.position) for t in extra.tokens] == [
        ("get", 0),
        ("http", 1),
        ("response", 2),
        ("set", 4),
        ("x", 5),
    ]
    assert tokens.extra_tokens(ANALYZER, "nothing special here, Mr. Smith") is None
    assert tokens.extra_tokens(ANALYZER, "只有中文。没有别的") is None


def test_cjk_runs_are_the_maximal_runs_of_cjk_characters() -> None:
    assert tokens.cjk_runs("use 提高睡眠 now, abc中文def, 東京タワー。한국어") == [
        "提高睡眠",
        "中文",
        "東京タワー",
        "한국어",
    ]
    assert tokens.cjk_runs("plain ascii, Zürich") == []


def test_a_split_word_is_widened_to_its_whole_run_of_letters() -> None:
    extra = tokens.extra_tokens(ANALYZER, "x abc中文def y")
    assert extra is not None
    assert [t.text for t in extra.tokens] == ["abc", "中", "文", "def"]


def test_a_phrase_across_an_identifier_and_its_neighbours_still_matches(tmp_path) -> None:
    from chatdex.importer import import_exports
    from chatdex.search import SearchOptions, search
    from tests import synthetic

    conversation = synthetic.conversation(1, 2, extra_word="const bedtimeReminderMinutes = 45")
    export = tmp_path / "c.json"
    export.write_text(__import__("json").dumps([conversation]))
    import_exports([export], tmp_path / "index")
    for query in (
        '"const bedtimeReminderMinutes"',
        '"bedtimeReminderMinutes 45"',
        '"reminder minutes"',
        "bedtimereminderminutes",
        "reminder",
        "bedtime*",
    ):
        assert len(search(tmp_path / "index", SearchOptions(query))) == 1, query


def test_cjk_words_are_found_inside_runs_and_words_but_not_across_runs(tmp_path) -> None:
    import json

    from chatdex.importer import import_exports
    from chatdex.search import SearchOptions, search
    from tests import synthetic

    texts = {
        1: "我想提高睡眠质量。东京很远",
        2: "version abc中文def here",
        3: "東京タワー and 한국어 공부",
        4: "大阪から東京大阪へ",
        5: "東京・大阪間",
    }
    conversations = [synthetic.conversation(n, 1, extra_word=text) for n, text in texts.items()]
    conversations[0]["title"] = "睡眠の質"
    export = tmp_path / "c.json"
    export.write_text(json.dumps(conversations, ensure_ascii=False))
    import_exports([export], tmp_path / "index")

    def found(query: str) -> list[str]:
        return sorted(hit.conversation_id[-1] for hit in search(tmp_path / "index", SearchOptions(query)))

    assert found("睡眠") == ["1"]  # inside a run
    assert found("睡") == ["1"]  # one character
    assert found("中文") == ["2"]  # a run inside a word with letters around it
    assert found("abc中文def") == ["2"]  # that whole word
    assert found("タワー") == ["3"]
    assert found("국어") == ["3"]
    assert found("质量东京") == []  # 。 ends a run: no phrase across it
    assert found("title:質") == ["1"]
    assert found("text:質") == []
    assert found("東京*") == ["3", "4", "5"]
    # Words of characters only, however the query splits them, are one run of characters.
    assert found('"東京 大阪"') == ["4", "5"]
    assert found("東京・大阪") == ["4", "5"]
    assert found('"東京 大*"') == ["4", "5"]
    assert found("東京\u3000大阪") == ["4", "5"]  # an ideographic space separates words
