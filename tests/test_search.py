"""Search: query language, filters, grouping, sorting, snippets, context, JSON, rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatdex.errors import InvalidQuery
from chatdex.importer import import_exports
from chatdex.query import Filters
from chatdex.search import SearchOptions, search

ALL = ("chatgpt_2023.json", "chatgpt_2024.json", "chatgpt_2025.json", "chatgpt_2026")


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("search") / "index"
    data = Path(__file__).parent / "data"
    import_exports([data / name for name in ALL], path)
    return path


def ids(index: Path, query: str, **options: object) -> list[str]:
    filters = options.pop("filters", Filters())
    found = search(index, SearchOptions(query, filters=filters, **options))  # type: ignore[arg-type]
    return [hit.message_id[:8] for hit in found]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sourdough starter", ["2023a002"]),
        ('"starter smells"', ["2023a002"]),
        ('"smells starter"', []),
        ("kubernetes OR sourdough", ["2023a002", "2025a002"]),
        ("rollback -helm", ["2025a009"]),
        ("kube*", ["2025a002"]),
        ("睡眠", ["2024c004"]),
        ("zurich", ["2024c002"]),
        ("getuserbyid", []),
        ("bedtimereminderminutes", ["2024c007"]),
        ("role:assistant zurich", ["2024c003"]),
    ],
)
def test_query_language(index: Path, query: str, expected: list[str]) -> None:
    assert sorted(ids(index, query)) == sorted(expected)


def test_title_field_matches_every_message_of_the_conversation(index: Path) -> None:
    # Every message carries the title, so the scores tie: only the conversation is certain.
    found = search(index, SearchOptions("title:terraform"))
    assert [(h.conversation_id, h.matches_in_conversation) for h in found] == [
        ("2026aaaa-0000-4000-8000-000000000001", 5)
    ]


def test_words_all_must_match(index: Path) -> None:
    assert ids(index, "sourdough kubernetes") == []


def test_fuzzy_tolerates_typos(index: Path) -> None:
    assert ids(index, "kubernets") == []
    assert ids(index, "kubernets", fuzzy=True) == ["2025a002"]


def test_grouping_counts_matches_per_conversation(index: Path) -> None:
    grouped = search(index, SearchOptions("sourdough"))
    assert [(h.conversation_id[:8], h.matches_in_conversation) for h in grouped] == [("2023aaaa", 4)]
    every = search(index, SearchOptions("sourdough", grouped=False, limit=50))
    assert len(every) == 4
    assert {h.conversation_id[:8] for h in every} == {"2023aaaa"}


def test_sorting_by_date(index: Path) -> None:
    newest = search(index, SearchOptions("rollback", grouped=False, sort="newest", limit=50))
    dates = [h.date for h in newest]
    assert dates == sorted(dates, reverse=True) and len(dates) > 1
    oldest = search(index, SearchOptions("rollback", grouped=False, sort="oldest", limit=50))
    # Messages can share a date, and tied hits may come in either order: compare the dates.
    assert [h.date for h in oldest] == list(reversed(dates))
    assert sorted(h.message_id for h in oldest) == sorted(h.message_id for h in newest)
    assert {h.score for h in newest} == {None}


def test_paging_with_offset(index: Path) -> None:
    every = search(index, SearchOptions("the", limit=20))
    page = search(index, SearchOptions("the", limit=3, offset=2))
    assert len(every) > 5
    assert [h.score for h in page] == [h.score for h in every[2:5]]


def test_hidden_reasoning_and_tool_messages_need_include_hidden(index: Path) -> None:
    assert ids(index, "ReplicaSet") == []
    assert ids(index, "ReplicaSet", filters=Filters(include_hidden=True)) == ["2025a003"]
    assert ids(index, "Utrecht") == []
    assert ids(index, "Utrecht", filters=Filters(include_hidden=True)) == ["2025c002"]


def test_other_branches_are_searched_unless_current_branch(index: Path) -> None:
    found = search(index, SearchOptions('"hill repeats"', grouped=False, limit=10))
    assert sorted(h.message_id[:8] for h in found) == ["2024a005", "2024a007", "2024a008"]
    assert {h.on_current_branch for h in found} == {False}
    assert ids(index, '"hill repeats"', filters=Filters(current_branch=True)) == []


def test_role_model_source_and_conversation_filters(index: Path) -> None:
    assert ids(index, "rollback", grouped=False, limit=50, filters=Filters(roles=["user"])) == [
        "2025a002",
        "2025a009",
    ]
    assert ids(index, "rollback", filters=Filters(model="o3")) == ["2025a008"]
    assert ids(index, "rollback", filters=Filters(source="claude")) == []
    assert ids(index, "plan", filters=Filters(conversation="2024aaaa-0000-4000-8000-000000000001")) == [
        "2024a002"
    ]


def test_snippet_highlights_the_matched_words(index: Path) -> None:
    hit = search(index, SearchOptions("zurich"))[0]
    assert [hit.snippet[start:end] for start, end in hit.highlights] == ["Zürich"]


def test_context_shows_the_turn_before_when_asked_and_n_turns_with_context(index: Path) -> None:
    answer = search(index, SearchOptions("crème", filters=Filters(roles=["assistant"]), turn_before=True))[0]
    assert [t.message_id[:8] for t in answer.before] == ["2024c002"]
    assert answer.after == []
    assert search(index, SearchOptions("crème", filters=Filters(roles=["assistant"])))[0].before == []
    wide = search(index, SearchOptions("crème", filters=Filters(roles=["assistant"]), context=2))[0]
    assert [t.message_id[:8] for t in wide.before] == ["2024c002"]
    assert [t.message_id[:8] for t in wide.after] == ["2024c004", "2024c005"]


def test_context_follows_the_branch_of_the_hit(index: Path) -> None:
    hit = search(index, SearchOptions("Saturdays", context=1))[0]
    assert hit.message_id[:8] == "2024a005"
    assert [t.message_id[:8] for t in hit.before] == ["2024a003"]
    assert [t.message_id[:8] for t in hit.after] == ["2024a007"]


@pytest.mark.parametrize(
    ("query", "options", "message"),
    [
        (
            '"unbalanced',
            {},
            'Invalid query: a double quote (") is not closed at character 12; see `chatdex search --help`',
        ),
        ("(a OR b", {}, "a parenthesis is not closed at character 8;"),
        ("colour:red", {}, "Invalid query: unknown field 'colour:'; fields are title:, text:, role:"),
        ("***", {}, "nothing to search for in '***'"),
        ("x", {"limit": 0}, "--limit must be between 1 and 1000, not 0"),
        ("x", {"offset": 10**12}, "--offset must be between 0 and 10,000, not 1000000000000"),
        ("x", {"offset": -1}, "--offset must be between 0 and 10,000, not -1"),
        ("x", {"sort": "best"}, "--sort must be one of relevance, newest, oldest, not 'best'"),
        ("x after:", {}, "after: needs a date"),
        ("x after:soon", {}, "cannot read the date 'soon'"),
        ("x after:2025 before:2024", {}, "the date range is empty: 2025 is after 2024"),
        ("(" * 40 + "x" + ")" * 40, {}, "parentheses nested more than 32 deep"),
        ("x" * 2001, {}, "the query is 2,001 characters long; the most is 2,000"),
    ],
)
def test_bad_queries_are_explained(index: Path, query: str, options: dict, message: str) -> None:
    with pytest.raises(InvalidQuery) as caught:
        search(index, SearchOptions(query, **options))
    assert message in str(caught.value)


def test_control_characters_are_spaces(index: Path) -> None:
    assert ids(index, "sourdough\x00starter\x1b") == ["2023a002"]


def test_json_lines_have_stable_keys(cli, index: Path) -> None:
    result = cli("search", "rollback", "--index", index, "--json", "--context", "1")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 0 and len(lines) == 1
    assert list(lines[0]) == [
        "conversation_id",
        "message_id",
        "title",
        "role",
        "model",
        "source",
        "created",
        "score",
        "snippet",
        "url",
        "on_current_branch",
        "matches_in_conversation",
        "context",
    ]
    assert set(lines[0]["context"]) == {"before", "after"}
    plain = json.loads(cli("search", "rollback", "--index", index, "--json", "--limit", "1").stdout)
    assert "context" not in plain


def test_no_hits_is_a_friendly_line_and_exit_0(cli, index: Path) -> None:
    result = cli("search", "xylophone", "--index", index, "--json")
    assert (result.exit_code, result.stdout) == (0, "")
    assert (
        result.stderr
        == "No matches for 'xylophone'. (--include-hidden searches reasoning and tool output too)\n"
    )


def test_bad_query_from_the_cli(cli, index: Path) -> None:
    result = cli("search", '"oops', "--index", index)
    assert result.exit_code == 1
    assert result.stderr.startswith('error: Invalid query: a double quote (") is not closed at character 6;')
    assert len(result.stderr.splitlines()) == 1


def test_rendered_hits_at_a_fixed_width(cli, index: Path, local_zone) -> None:
    local_zone("UTC")
    out = cli("search", "crème", "--index", index, "--role", "assistant").stdout
    assert out.splitlines() == [
        "1. Café à Zürich et sommeil 睡眠  2024-10-14 10:00 · chatgpt · gpt-4o",
        "   user: Où trouver un bon café près de la gare de Zürich ? Je voudrais aussi goûter une crème brûlée.",
        "   assistant: Près de la gare de Zürich, essayez un petit café dans la Niederdorfstrasse : l'espresso y est excellent et la crème brûlée est faite maison. Grüezi et bon appétit",
        "   chatdex show 2024aaaa-0000-4000-8000-000000000003 --message 2024c003-0000-4000-9000-2024c0000003",
        "   https://chatgpt.com/c/2024aaaa-0000-4000-8000-000000000003",
        "",
    ]


@pytest.fixture
def paris(local_zone) -> None:
    local_zone("Europe/Paris")


def _dated_export(tmp_path: Path) -> Path:
    # Messages just before and after local (Paris) midnight at the turn of a year and a month.
    moments = {
        "dec31-2330": datetime(2023, 12, 31, 22, 30, tzinfo=UTC),  # 23:30 in Paris
        "jan01-0030": datetime(2023, 12, 31, 23, 30, tzinfo=UTC),  # 00:30 on Jan 1 in Paris
        "jan31-2330": datetime(2024, 1, 31, 22, 30, tzinfo=UTC),
        "feb01-0030": datetime(2024, 1, 31, 23, 30, tzinfo=UTC),
    }
    conversations = []
    for name, moment in moments.items():
        stamp = moment.timestamp()
        conversations.append(
            {
                "id": name,
                "title": name,
                "create_time": stamp,
                "update_time": stamp,
                "current_node": f"{name}-m",
                "mapping": {
                    f"{name}-m": {
                        "id": f"{name}-m",
                        "parent": None,
                        "message": {
                            "id": f"{name}-m",
                            "author": {"role": "user"},
                            "create_time": stamp,
                            "content": {"content_type": "text", "parts": ["boundary marker"]},
                        },
                    }
                },
            }
        )
    path = tmp_path / "dated.json"
    path.write_text(json.dumps(conversations))
    return path


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        ("2024", None, ["feb01-0030", "jan01-0030", "jan31-2330"]),
        (None, "2023", ["dec31-2330"]),
        ("2024-01", "2024-01", ["jan01-0030", "jan31-2330"]),
        ("2024-02", None, ["feb01-0030"]),
        ("2024-01-31", "2024-01-31", ["jan31-2330"]),
        ("2023-12-31", "2024-01-01", ["dec31-2330", "jan01-0030"]),
    ],
)
def test_date_filters_cover_whole_local_periods(
    paris: None, tmp_path: Path, since: str | None, until: str | None, expected: list[str]
) -> None:
    index = tmp_path / "index"
    import_exports([_dated_export(tmp_path)], index)
    found = search(index, SearchOptions("boundary", filters=Filters(since=since, until=until), limit=10))
    assert sorted(h.conversation_id for h in found) == expected
    query = "boundary" + (f" after:{since}" if since else "") + (f" before:{until}" if until else "")
    assert sorted(h.conversation_id for h in search(index, SearchOptions(query, limit=10))) == expected


def test_relative_dates_count_back_from_now(paris: None, tmp_path: Path) -> None:
    index = tmp_path / "index"
    import_exports([_dated_export(tmp_path)], index)
    now = datetime(2024, 2, 1, 23, 0, tzinfo=UTC)
    found = search(index, SearchOptions("boundary", filters=Filters(since="1d"), limit=10), now=now)
    assert [h.conversation_id for h in found] == ["feb01-0030"]
    found = search(index, SearchOptions("boundary", filters=Filters(since="1m"), limit=10), now=now)
    assert sorted(h.conversation_id for h in found) == ["feb01-0030", "jan31-2330"]
    found = search(index, SearchOptions("", filters=Filters(until="1m"), limit=10), now=now)
    assert sorted(h.conversation_id for h in found) == ["dec31-2330", "jan01-0030"]


@pytest.mark.parametrize(("word", "limit"), [("quartz", 3), ("quartz", 40), ("c7", 5)])
def test_matches_per_conversation_are_exact_whether_counted_from_hits_or_aggregated(
    tmp_path: Path, word: str, limit: int
) -> None:
    # "quartz" is in a few hundred messages: ranked() stops early and the counts come from an
    # aggregation; "c7" only in conversation 7, and with limit 40 every hit is seen: counted
    # from the hits themselves.
    from tests.synthetic import export

    raw = export(40, messages=10, seed=3)
    (tmp_path / "conversations.json").write_bytes(raw)
    import_exports([tmp_path / "conversations.json"], tmp_path / "index")
    expected: dict[str, int] = {}
    for record in json.loads(raw):
        for node in record["mapping"].values():
            message = node["message"]
            if message and word in message["content"]["parts"][0].split():
                expected[record["id"]] = expected.get(record["id"], 0) + 1
    found = search(tmp_path / "index", SearchOptions(word, limit=limit))
    assert len(found) == min(limit, len(expected))
    assert {h.conversation_id: h.matches_in_conversation for h in found} == {
        h.conversation_id: expected[h.conversation_id] for h in found
    }


def test_sorting_by_date_puts_undated_messages_last(tmp_path: Path) -> None:
    from tests.synthetic import conversation

    dated, undated = (
        conversation(1, messages=2, extra_word="nebula"),
        conversation(2, messages=2, extra_word="nebula"),
    )
    for node in undated["mapping"].values():
        if node["message"]:
            node["message"]["create_time"] = None
    undated["create_time"] = undated["update_time"] = None
    (tmp_path / "conversations.json").write_text(json.dumps([undated, dated]))
    import_exports([tmp_path / "conversations.json"], tmp_path / "index")
    for sort in ("newest", "oldest"):
        found = search(tmp_path / "index", SearchOptions("nebula", sort=sort))
        assert [h.conversation_id for h in found] == ["synthetic-000001", "synthetic-000002"], sort


def test_pages_of_grouped_results_neither_repeat_nor_skip_where_hits_tie(tmp_path: Path) -> None:
    # Every message of these conversations has the same score for a word in all titles.
    from tests.synthetic import conversation

    records = [conversation(n, messages=12) for n in range(60)]
    for record in records:
        record["title"] = "Weekly meadow notes"
    (tmp_path / "conversations.json").write_text(json.dumps(records))
    import_exports([tmp_path / "conversations.json"], tmp_path / "index")
    whole = [h.conversation_id for h in search(tmp_path / "index", SearchOptions("title:weekly", limit=40))]
    paged = [
        h.conversation_id
        for offset in range(0, 40, 10)
        for h in search(tmp_path / "index", SearchOptions("title:weekly", limit=10, offset=offset))
    ]
    assert len(whole) == 40 and paged == whole


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [(None, "0001-01-01", 0), (None, "1500", 0), ("1500", None, 1), ("2300", None, 0), ("1500", "2300", 1)],
)
def test_dates_beyond_what_the_index_stores_select_like_its_edges(
    index: Path, since: str | None, until: str | None, expected: int
) -> None:
    # Found by hypothesis: tantivy refused the range query for year 1 with a ValueError.
    found = search(index, SearchOptions("sourdough starter", filters=Filters(since=since, until=until)))
    assert len(found) == expected
