"""Gemini's Takeout activity log, JSON and HTML: records grouped into conversations (by chat
link, else by time), regenerated answers as branches, answers' HTML as plain text, other
Google products refused, every era and variant of the file."""

from __future__ import annotations

import html
import io
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex import sources
from chatdex.errors import ExportFormatError
from chatdex.model import Conversation, Skipped
from chatdex.sources import gemini, gemini_page
from chatdex.sources.base import Context
from tests.helpers import by_id, damage_drawn, parse, shape, well_formed

DATA = Path(__file__).parent / "data" / "gemini"
APP = "https://gemini.google.com/app"
HOLIDAY = "gemini-1741597200123"  # the time of its first prompt, 2025-03-10T09:00:00.123Z
LEVAIN = "gemini-1741615200000"
NAIL = "gemini-1741618800001"
SINTRA = "a1b2c3d4e5f60718"  # chat ids from the 2026 records' links
FOOD = "0f1e2d3c4b5a6978"
CATS = "5e6f7a8b9c0d1e2f"


def _layout(conversation: Conversation) -> list[tuple[str, str | None, str, str, bool]]:
    return [(m.id, m.parent_id, m.role, m.content_type, m.on_current_branch) for m in conversation.messages]


def _texts(conversation: Conversation) -> dict[str, str]:
    return {m.id: m.text for m in conversation.messages}


def test_records_without_chat_links_are_grouped_by_time() -> None:
    conversations, skipped = parse(DATA / "MyActivity.json")
    assert {c.source for c in conversations} == {"gemini"}
    found = by_id(conversations)
    assert [c.id for c in conversations] == [HOLIDAY, LEVAIN, NAIL]
    assert {cid: shape(c) for cid, c in found.items()} == {
        HOLIDAY: (8, 7, {"seen": 8}),
        LEVAIN: (4, 4, {"seen": 4}),  # 14:00 and 14:30: exactly 30 minutes apart stay together
        NAIL: (1, 1, {"seen": 1}),  # 30 minutes and 1 ms later: a new conversation
    }
    assert [(c.title, c.url) for c in conversations] == [
        ("How do I keep a sourdough starter alive while on holiday?", APP),
        ("Translate levain into German", APP),
        ("Is a starter that smells of nail polish dead?", APP),
    ]
    holiday = found[HOLIDAY]
    assert (holiday.created, holiday.updated) == (
        datetime(2025, 3, 10, 9, 0, 0, 123000, tzinfo=UTC),
        datetime(2025, 3, 10, 9, 25, tzinfo=UTC),
    )
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{DATA / 'MyActivity.json'}: record 10", "a record is str, not an object"),
        (f"{DATA / 'MyActivity.json'}: record 12", "a record has no usable time"),
    ]


def test_a_regenerated_answer_is_a_sibling_and_the_last_one_is_current() -> None:
    holiday = by_id(parse(DATA / "MyActivity.json")[0])[HOLIDAY]
    assert _layout(holiday) == [
        ("1741597200123:q", None, "user", "text", True),
        ("1741597200123:a0", "1741597200123:q", "assistant", "text", True),
        ("1741597510456:q", "1741597200123:a0", "user", "text", True),
        ("1741597510456:a0", "1741597510456:q", "assistant", "text", False),
        ("1741597510456:a1", "1741597510456:q", "assistant", "text", True),
        ("1741598400000:q", "1741597510456:a1", "user", "text", True),
        ("1741598400000:a0", "1741598400000:q", "assistant", "text", True),
        # A canvas is what Gemini made and the person saw: an answer of its own kind.
        ("1741598700000:c", "1741598400000:a0", "assistant", "canvas", True),
    ]
    assert [m.position for m in holiday.messages] == list(range(8))


def test_answers_become_plain_text_with_paragraphs_and_code_kept() -> None:
    conversations = by_id(parse(DATA / "MyActivity.json")[0])
    texts = _texts(conversations[HOLIDAY])
    assert texts["1741597200123:a0"] == (
        "Feed it, let it rise for an hour, then put it in the fridge & it will keep for two weeks.\n\n"
        "When you're back, feed it twice before baking."
    )
    assert texts["1741597510456:a1"] == (
        "An acetone smell means the starter is hungry.\n\nDiscard half\nFeed it 1:1:1 twice a day"
    )
    assert texts["1741598400000:a0"] == (
        "Here is a small helper:\n\n"
        "def grams_to_cups(grams):\n    # one cup of flour is about 120 g\n    return grams / 120\n\n"
        "Call it as grams_to_cups(240) to get 2.0."
    )
    assert texts["1741598700000:c"] == (
        "Feeding schedule\n\nFeed the starter every morning.\n\nDay Flour\nMonday 50 g rye"
    )
    levain = conversations[LEVAIN]
    # The subtitle names the file as it was sent; the stored copy has a hash in its name.
    assert [(m.id, m.attachments) for m in levain.messages if m.attachments] == [
        ("1741615200000:q", ["starter_photo.png"])
    ]
    assert _texts(levain)["1741615200000:a0"] == (
        "In German a levain is called Sauerteig (or Anstellgut when it's the starter you keep)."
    )


def _prompt(when: str, words: str, answer: str) -> dict[str, Any]:
    return {**_record("Gemini Apps", f"Prompted {words}"), "time": when, "safeHtmlItem": [{"html": answer}]}


def test_ids_do_not_depend_on_the_order_of_the_file() -> None:
    records = json.loads((DATA / "MyActivity.json").read_text())
    again = [
        item for item in gemini.read(iter(reversed(records)), Context("x")) if isinstance(item, Conversation)
    ]
    first = parse(DATA / "MyActivity.json")[0]
    assert [(c.id, [m.id for m in c.messages]) for c in again] == [
        (c.id, [m.id for m in c.messages]) for c in first
    ]
    # Two records of the same millisecond: which is "~2" goes by what they say.
    tie = [
        _prompt("2025-03-12T08:00:00Z", "Rye or spelt?", "<p>Rye.</p>"),
        _prompt("2025-03-12T08:00:00Z", "And for a rye starter?", "<p>Keep it warm.</p>"),
    ]
    read = [
        [
            (m.id, m.parent_id, m.text)
            for item in gemini.read(iter(order), Context("x"))
            if isinstance(item, Conversation) and item.id == "gemini-1741766400000"
            for m in item.messages
        ]
        for order in ([*records, *tie], [*reversed(tie), *records], [tie[1], *records, tie[0]])
    ]
    assert (
        read[0]
        == read[1]
        == read[2]
        == [
            ("1741766400000:q", None, "And for a rye starter?"),
            ("1741766400000:a0", "1741766400000:q", "Keep it warm."),
            ("1741766400000~2:q", "1741766400000:a0", "Rye or spelt?"),
            ("1741766400000~2:a0", "1741766400000~2:q", "Rye."),
        ]
    )


def test_chat_links_group_records_and_a_branch_shares_its_first_turns() -> None:
    conversations, skipped = parse(DATA / "MyActivity_2026.json")
    assert skipped == []
    found = by_id(conversations)
    assert [(c.id, c.title, c.url) for c in conversations] == [
        ("gemini-1777622400000", "What does saudade mean?", APP),  # a record without a link
        (FOOD, "Plan a three-day trip to Lisbon", f"{APP}/{FOOD}"),
        (SINTRA, "Plan a three-day trip to Lisbon", f"{APP}/{SINTRA}"),
    ]
    # The "Branched" copy of the first turn is the same turn: neither chat holds it twice.
    assert _layout(found[SINTRA]) == [
        ("1777716000000:q", None, "user", "text", True),
        ("1777716000000:a0", "1777716000000:q", "assistant", "text", True),
        ("1777716180000:q", "1777716000000:a0", "user", "text", True),
        ("1777716180000:a0", "1777716180000:q", "assistant", "text", True),
    ]
    assert [m.text for m in found[FOOD].messages] == [
        "Plan a three-day trip to Lisbon",
        "Day one: Alfama. Day two: Belém. Day three: Cascais.",
        "Make it a food-focused trip instead",
        "Day one: pastéis de nata in Belém.",
    ]


def test_bard_and_a_korean_account_are_read_by_their_products() -> None:
    bard, skipped = parse(DATA / "Bard_2023.json")
    assert skipped == []
    assert [(c.id, c.title) for c in bard] == [("gemini-1696530612345", "Give me a haiku about autumn rain")]
    assert _texts(bard[0])["1696530612345:a0"] == (
        "Cold rain on the roof\nmaple leaves stick to the glass\nthe kettle hums on"
    )
    # No English verb: the answered record is a prompt, kept whole; the other one says nothing.
    korean, skipped = parse(DATA / "내활동.json")
    assert skipped == []
    assert [(c.id, c.title, shape(c)) for c in korean] == [
        ("gemini-1772355600000", "회의록 초안을 정리해 주세요.", (2, 2, {"seen": 2}))
    ]
    assert _texts(korean[0])["1772355600000:a0"] == "네, 회의록 초안입니다: 결정 사항 세 가지."


def test_the_html_page() -> None:
    conversations, skipped = parse(DATA / "My Activity.html")
    found = by_id(conversations)
    # Times are read in the page's zone (MDT, UTC-6): 11:50:25 PM on the 10th is 05:50:25Z.
    assert [(c.id, c.title, c.url, shape(c)) for c in conversations] == [
        ("gemini-1783749025000", "Count the lines of every .py file in a folder", APP, (2, 2, {"seen": 2})),
        (CATS, "What is a good name for a grey cat?", f"{APP}/{CATS}", (4, 4, {"seen": 4})),
        ("gemini-1783793220000", "Cat names", APP, (1, 1, {"seen": 1})),
    ]
    lines = found["gemini-1783749025000"]
    assert [(m.id, m.role, m.attachments, m.text) for m in lines.messages] == [
        ("1783749025000:q", "user", ["notes.txt"], "Count the lines of every .py file in a folder"),
        (
            "1783749025000:a0",
            "assistant",
            [],
            "Use find with wc:\n\nfind . -name '*.py' | xargs wc -l\n\nIt prints one line per file & a total at the end.",
        ),
    ]
    assert [m.text for m in found[CATS].messages] == [
        "What is a good name for a grey cat?",
        "How about Ash or Smokey?",
        "Give me three more",
        "Pebble, Misty and Earl Grey.",
    ]
    assert _layout(found["gemini-1783793220000"]) == [("1783793220000:c", None, "assistant", "canvas", True)]
    assert (
        found["gemini-1783793220000"].messages[0].text == "Cat names\n\nAsh, Smokey, Pebble, Misty, Earl Grey"
    )
    page = DATA / "My Activity.html"
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{page}: activity 5", "an activity record of another product ('YouTube')"),
        (f"{page}: activity 7", "no date chatdex can read (a page in another language? export JSON)"),
    ]


def test_the_takeout_zip_as_downloaded(make_zip: Callable[..., Path]) -> None:
    search = json.dumps([_record("Search", "Searched for sourdough")]).encode()
    path = make_zip(
        {
            "Takeout/My Activity/Gemini Apps/MyActivity.json": (DATA / "MyActivity.json").read_bytes(),
            "Takeout/My Activity/Gemini Apps/starter_photo-3f2a9c0d1e4b5a6c.png": b"\x89PNG",
            "Takeout/My Activity/Search/MyActivity.json": search,
            "Takeout/archive_browser.html": b"<html></html>",
        },
        name="takeout-20250311T101010Z-001.zip",
    )
    conversations, skipped = parse(path)
    assert [c.id for c in conversations] == [HOLIDAY, LEVAIN, NAIL]
    assert len(skipped) == 2


class Trickle(io.RawIOBase):
    """A stream that hands out 7 bytes per read, splitting tags and UTF-8 characters."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.data[self.at : self.at + 7]
        self.at += len(chunk)
        return chunk


def test_the_page_is_read_the_same_whatever_its_chunks() -> None:
    whole = parse(DATA / "My Activity.html")[0]
    trickled = [
        item
        for item in gemini.read_html(Trickle((DATA / "My Activity.html").read_bytes()), Context("page"))
        if isinstance(item, Conversation)
    ]
    assert trickled == whole


def test_a_tag_that_never_ends_is_refused_not_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gemini_page, "MAX_HELD", 4096)
    page = b'<div class="outer-cell"><div class="content-cell"><a href="' + b"x" * 100_000
    with pytest.raises(ExportFormatError) as error:
        list(gemini.read_html(io.BytesIO(page), Context("big.html")))
    assert str(error.value) == "big.html: a tag longer than 4,096 characters; not an export"


def test_the_attributes_of_a_card_count_towards_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gemini_page, "MAX_CARD", 10_000)
    spans = f'<span title="{"x" * 4000}">a</span>' * 3
    page = _card(f"Prompted hi<br>Jan 1, 2025, 10:00:00 AM UTC<br>{spans}")
    assert [(s.where, s.reason) for s in gemini_page.activities(io.BytesIO(page), "p")] == [
        ("p: activity 1", "an activity longer than 10,000 characters")
    ]


def _quick(run: Callable[[], Any], seconds: float = 1.0) -> Any:
    start = time.perf_counter()
    result = run()
    assert time.perf_counter() - start < seconds
    return result


HOSTILE = ["<a ", "<a/", "<a x='", "</", "<!--", "<?", '<a href="f">', "< "]


@pytest.mark.parametrize("piece", HOSTILE)
def test_markup_that_never_closes_is_read_in_linear_time(piece: str) -> None:
    """html.parser closes unfinished markup in quadratic time (CVE-2025-6069), a link that
    never ends was once rendered to the end of the card for each: 100 KB took minutes."""
    hostile = piece * (100_000 // len(piece))
    text = _quick(lambda: gemini_page.html_text("<p>Before</p>" + hostile))
    assert text.startswith("Before")
    page = _card(f"Prompted hi<br>{hostile}<br>Jan 1, 2025, 10:00:00 AM UTC<br><p>answer</p>")
    assert all(
        isinstance(item, Conversation | Skipped)
        for item in _quick(lambda: list(gemini.read_html(io.BytesIO(page), Context("p.html"))))
    )
    record = _prompt("2025-01-01T10:00:00Z", "hi", hostile)
    assert _quick(lambda: list(gemini.read(iter([record] * 3), Context("x.json"))))


def test_unfinished_markup_at_the_end_stays_text() -> None:
    # A little unfinished markup is still left to html.parser; a lot is taken as text.
    assert gemini_page.html_text("<p>AT&amp;T <b") == "AT&T <b"
    assert gemini_page.html_text("<p>AT&T</p><a href='x>link</a> more") == "AT&T\n\n<a href='x>link more"
    long = "<p>start</p><a href='x>link</a> more" + " words" * 1000 + " <i"
    assert gemini_page.html_text(long) == "start\n\nlink more" + " words" * 1000 + " <i"


@given(st.text(alphabet="<>a &;#x1", max_size=40))
def test_the_plain_text_fallback_is_the_tag_regex_in_one_pass(markup: str) -> None:
    assert gemini_page._plain(markup) == html.unescape(re.sub(r"<[^>]*>", " ", markup))


def test_links_end_where_the_next_begins() -> None:
    events = [
        ("start", "a", [("href", "one.txt")]),
        ("data", "one", None),
        ("start", "a", [("href", "two.txt")]),
        ("data", "two", None),
        ("end", "a", None),
        ("data", "between", None),
        ("start", "a", [("name", "no link")]),
        ("start", "a", [("href", "three.txt")]),
        ("data", "three", None),
    ]
    assert gemini_page._links(events) == [("one.txt", "one"), ("two.txt", "two"), ("three.txt", "three")]


def test_another_products_name_is_quoted_short_on_one_line() -> None:
    record = _record("You\nTube " * 40, "Watched a video")
    [skipped] = list(gemini.read(iter([record]), Context("x.json")))
    assert isinstance(skipped, Skipped)
    shown = "You\\nTube " * 6 + "You\\nTu…"
    assert skipped.reason == f"an activity record of another product ('{shown}')"


def test_absurdly_many_records_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gemini, "MAX_RECORDS", 5)
    records = json.loads((DATA / "MyActivity.json").read_text())
    with pytest.raises(ExportFormatError) as error:
        list(gemini.read(iter(records), Context("huge.json")))
    assert str(error.value) == "huge.json: more than 5 activity records, more than a real export holds"


def _record(header: str, title: str) -> dict[str, Any]:
    return {"header": header, "title": title, "time": "2025-01-01T00:00:00Z", "products": [header]}


def test_other_google_products_are_not_gemini(tmp_path: Path) -> None:
    assert gemini.is_record(_record("Gemini Apps", "Used Gemini Apps"))
    assert gemini.is_record(_record("Bard", "Prompted hi"))
    assert gemini.is_record({"title": "Prompted hi", "time": "2025-01-01T00:00:00Z"})
    assert not gemini.is_record(_record("YouTube", "Watched Gemini explained"))
    assert not gemini.is_record(_record("Search", "Searched for gemini"))
    assert not gemini.is_record({"title": "Prompted hi"})
    youtube = tmp_path / "MyActivity.json"
    youtube.write_text(json.dumps([_record("YouTube", "Watched Prompted engineering")]))
    with pytest.raises(ExportFormatError, match="not an export"):
        parse(youtube)
    search = tmp_path / "MyActivity.html"
    search.write_bytes(
        (DATA / "My Activity.html").read_bytes().replace(b">Gemini Apps<br></p>", b">Search<br></p>")
    )
    with pytest.raises(ExportFormatError, match="HTML page"):
        parse(search)
    first = json.loads((DATA / "MyActivity.json").read_text())[0]
    assert sources.detect(first) is gemini.FORMAT


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("Jul 11, 2026, 12:05:00\u202fPM MDT", "2026-07-11T18:05:00+00:00"),
        ("Jan 5, 2024, 12:30:00 AM UTC", "2024-01-05T00:30:00+00:00"),
        ("18 Sept 2025, 12:01:52 CET", "2025-09-18T11:01:52+00:00"),
        ("15.01.2024, 10:00:00 MEZ", "2024-01-15T09:00:00+00:00"),
        ("1. 1. 2026 10:00:00 SEČ", "2026-01-01T09:00:00+00:00"),
        ("2026. 8. 3. 오후 4:05:00 KST", "2026-08-03T07:05:00+00:00"),
        ("2026年8月3日 下午4:05", "2026-08-03T16:05:00+00:00"),
        ("3/14/2024 10:00:00 GMT+05:30", "2024-03-14T04:30:00+00:00"),
        ("Mar 1, 2024, 9:00:00 AM XYZT", "2024-03-01T09:00:00+00:00"),  # an unknown zone counts as UTC
    ],
)
def test_page_times_in_the_shapes_known(written: str, utc: str) -> None:
    when = gemini_page.local_time(written)
    assert when is not None and when.isoformat() == utc


@pytest.mark.parametrize(
    "written",
    [
        "sometime last week",
        "Feb 30, 2024, 1:00:00 PM UTC",
        "Attached 1 file.",
        "Dec 31, 9999, 11:59:00 PM GMT-05:00",  # past the last day a datetime holds, in UTC
        "Jan 1, 0001, 12:00:00 AM GMT+05:00",
    ],
)
def test_what_is_not_a_time(written: str) -> None:
    assert gemini_page.local_time(written) is None


def _card(body: str, header: str = "Gemini Apps") -> bytes:
    return (
        f'<div class="outer-cell"><div class="header-cell"><p>{header}</p></div>'
        f'<div class="content-cell">{body}</div></div>'
    ).encode()


def test_a_date_past_year_9999_is_no_date() -> None:
    page = _card("Prompted hi<br>Dec 31, 9999, 11:59:00 PM GMT-05:00<br><p>answer</p>")
    assert [
        (type(item).__name__, getattr(item, "reason", ""))
        for item in gemini.read_html(io.BytesIO(page), Context("p.html"))
    ] == [("Skipped", "no date chatdex can read (a page in another language? export JSON)")]


def test_long_prompts_make_short_titles() -> None:
    long = "Explain, step by step and with examples, how a sourdough starter ferments flour " * 3
    assert (
        gemini._title(long)
        == "Explain, step by step and with examples, how a sourdough starter ferments flour…"
    )
    assert gemini._title("x" * 100) == "x" * 80 + "…"


def test_import_search_and_reimport(cli, index_path: Path) -> None:
    files = [DATA / "MyActivity.json", DATA / "MyActivity_2026.json", DATA / "My Activity.html"]
    first = orjson.loads(cli("import", *files, "--index", index_path, "--json").stdout)
    assert (first["conversations_new"], first["conversations_skipped"], first["messages_indexed"]) == (
        9,
        4,
        30,
    )
    hits = [
        orjson.loads(line)
        for line in cli("search", "Anstellgut", "--index", index_path, "--json").stdout.splitlines()
    ]
    assert [(h["conversation_id"], h["message_id"], h["source"], h["url"]) for h in hits] == [
        (LEVAIN, "1741615200000:a0", "gemini", APP)
    ]
    hits = [
        orjson.loads(line)
        for line in cli("search", "Rossio", "--index", index_path, "--json").stdout.splitlines()
    ]
    assert [(h["conversation_id"], h["url"]) for h in hits] == [(SINTRA, f"{APP}/{SINTRA}")]
    again = orjson.loads(cli("import", *files, "--index", index_path, "--json").stdout)
    assert (again["conversations_unchanged"], again["conversations_new"], again["messages_indexed"]) == (
        9,
        0,
        0,
    )


# --- damaged records and pages ---------------------------------------------------------------

RECORDS: list[Any] = [
    record
    for name in ("MyActivity.json", "MyActivity_2026.json", "Bard_2023.json", "내활동.json")
    for record in json.loads((DATA / name).read_text())
]
junk = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(
        [
            "<p>",
            "<![if x",
            "Prompted\xa0",
            "2025-13-01T00:00:00Z",
            "https://gemini.google.com/app/",
            "<a " * 5000,  # unfinished markup: quadratic in html.parser's close
        ]
    )
    | st.lists(st.text(max_size=3), max_size=2)
    | st.dictionaries(st.sampled_from(["html", "name", "url"]), st.text(max_size=3), max_size=2)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_records_parse_or_are_skipped(draw: st.DataObject) -> None:
    records = damage_drawn(
        draw.draw(st.lists(st.sampled_from(RECORDS), min_size=1, max_size=4)), draw.draw, junk, most=4
    )
    results = _quick(lambda: list(gemini.read(iter(records), Context("damaged.json"))))
    assert all(isinstance(item, Conversation | Skipped) for item in results)
    for item in results:
        if isinstance(item, Conversation):
            well_formed(item)  # unique ids, parents among its messages


PAGE = (DATA / "My Activity.html").read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(PAGE)),
            st.integers(0, 40),
            st.sampled_from(
                [
                    b"",
                    b"<",
                    b">",
                    b"</div>",
                    b'<div class="outer-cell">',
                    b"<![x",
                    b"<br>",
                    b"\xe2\x80",
                    b"<a " * 5000,  # unfinished markup, and links that never end: once quadratic
                    b'<a href="f">' * 2000,
                ]
            ),
        ),
        max_size=5,
    )
)
def test_damaged_pages_parse_skip_or_fail_with_a_reason(edits: list[tuple[int, int, bytes]]) -> None:
    page = PAGE
    for at, cut, insert in edits:
        page = page[:at] + insert + page[at + cut :]
    start = time.perf_counter()
    try:
        results = list(gemini.read_html(io.BytesIO(page), Context("damaged.html")))
    except ExportFormatError:
        results = []
    assert time.perf_counter() - start < 1.0
    assert all(isinstance(item, Conversation | Skipped) for item in results)
    for item in results:
        if isinstance(item, Conversation):
            well_formed(item)  # unique ids, parents among its messages
