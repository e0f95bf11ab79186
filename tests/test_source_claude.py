"""Claude's export: content blocks split by what the person saw, retries as branches,
attachments searchable, projects as records of their own, every era of the file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex import sources
from chatdex.cli import FORMATS
from chatdex.model import Conversation, Skipped
from chatdex.sources import claude
from chatdex.sources.base import Context
from tests.helpers import by_id, damage_drawn, parse, shape, well_formed

FOLDER = "claude/data-2024-11-02-10-00-00"
KAFKA = "c0a80002-3333-4ccc-8000-000000000001"
HAIKU = "c0a80002-3333-4ccc-8000-000000000002"
BAKERY = "p0000001-2222-4bbb-8000-000000000001"


def _layout(conversation: Conversation) -> list[tuple[str, str | None, str, str, str, bool]]:
    return [
        (m.id, m.parent_id, m.role, m.visibility.value, m.content_type, m.on_current_branch)
        for m in conversation.messages
    ]


def test_blocks_become_messages_by_what_the_person_saw(data: Path) -> None:
    conversations, skipped = parse(data / "claude" / "claude_2025.json")
    kafka = by_id(conversations)[KAFKA]
    assert _layout(kafka) == [
        ("k1", None, "user", "seen", "text", True),
        ("k2:0", "k1", "assistant", "reasoning", "thinking", False),
        ("k2:1", "k2:0", "assistant", "tool", "tool_use", False),
        ("k2:2", "k2:1", "tool", "tool", "tool_result", False),
        ("k2", "k2:2", "assistant", "seen", "text", False),
        # The retry (k3) is newer than k2: the current branch ends at the newest leaf.
        ("k3", "k1", "assistant", "seen", "text", True),
        ("k4", "k3", "user", "seen", "voice_note", True),
        ("k5", "k4", "assistant", "seen", "text", True),
        ("k6", "k5", "user", "seen", "text", True),
    ]
    texts = {m.id: m.text for m in kafka.messages}
    assert texts["k2:1"] == "kafka consumer lag after deploy rebalance"
    assert texts["k2:2"] == (
        "Cooperative rebalancing explained\nIncremental cooperative rebalancing avoids stop-the-world pauses."
    )
    # The artifact's title and contents were on screen: they join the answer's text.
    assert texts["k3"] == (
        "Check max.poll.interval.ms first; slow batches get consumers kicked out.\n\n"
        "Lag dashboard query\n\nSELECT group_id, sum(lag) FROM consumer_offsets GROUP BY group_id"
    )
    assert texts["k4"] == "Voice note\nthe poll interval was thirty seconds"
    # The placeholder for a block the app could not render is never text.
    assert texts["k5"] == "Raise it to five minutes and shrink max.poll.records."
    assert all("not supported on your current device" not in m.text for m in kafka.messages)
    # A file sent without words is a message with the file's name.
    assert (texts["k6"], kafka.messages[-1].attachments) == ("", ["consumer-config.png"])
    assert (kafka.account, kafka.url, kafka.model) == (
        "acc-2025",
        f"https://claude.ai/chat/{KAFKA}",
        None,
    )
    assert [(s.where.rsplit(": ", 1)[1], s.reason) for s in skipped] == [
        ("record 3", "a record has no uuid"),
        ("record 4", "conversation c0a80002-3333-4ccc-8000-000000000004: 'chat_messages' is not a list"),
    ]


def test_an_edited_prompt_is_a_second_root_and_the_newest_leaf_is_current(data: Path) -> None:
    haiku = by_id(parse(data / "claude" / "claude_2025.json")[0])[HAIKU]
    assert [(m.id, m.parent_id, m.on_current_branch) for m in haiku.messages] == [
        ("h1", None, False),
        ("h2", "h1", False),
        ("h3", None, True),
        ("h4", "h3", True),
    ]
    assert haiku.created is not None and haiku.created.isoformat() == "2025-10-01T07:00:00+00:00"


def test_the_2024_folder_with_users_and_projects(data: Path) -> None:
    conversations, skipped = parse(data / FOLDER)
    assert skipped == []
    found = by_id(conversations)
    assert {cid: shape(c) for cid, c in found.items()} == {
        "c0a80001-1111-4aaa-8000-000000000001": (4, 4, {"seen": 4}),
        "c0a80001-1111-4aaa-8000-000000000002": (2, 2, {"seen": 2}),  # top-level text only
        "c0a80001-1111-4aaa-8000-000000000003": (0, 0, {}),
        BAKERY: (4, 4, {"seen": 3, "hidden": 1}),
        "p0000001-2222-4bbb-8000-000000000002": (0, 0, {}),
    }
    assert {c.account for c in conversations} == {"acc-2024"}  # from users.json
    first = found["c0a80001-1111-4aaa-8000-000000000001"].messages[0]
    assert first.attachments == ["feeding-log.txt"]
    assert first.text == (
        "How often should I feed a rye sourdough starter?\n\n"
        "feeding-log.txt:\nDay 1: 50g rye flour, 50g water. Bubbles by evening."
    )
    project = found[BAKERY]
    assert (project.title, project.url, project.project_id) == (
        "Project: Bakery website",
        f"https://claude.ai/project/{BAKERY}",
        BAKERY,
    )
    assert [(m.role, m.content_type, m.author_name) for m in project.messages] == [
        ("document", "project_description", None),
        ("document", "project_instructions", None),
        ("document", "project_document", "menu.md"),
        ("document", "project_document", "opening-hours.txt"),
    ]


def test_the_zip_as_downloaded_reads_like_the_folder(data: Path, make_zip: Callable[..., Path]) -> None:
    folder = data / FOLDER
    members = {f"{FOLDER.split('/')[1]}/{p.name}": p.read_bytes() for p in folder.iterdir()}
    conversations, skipped = parse(make_zip(members, name="data-2024-11-02.zip"))
    assert skipped == []
    assert sorted(c.id for c in conversations) == sorted(c.id for c in parse(folder)[0])


def test_real_sample(samples: Path) -> None:
    conversations, skipped = parse(samples / "claude" / "cl0ver012-chatlore__conversations.json")
    assert skipped == []
    assert {cid: shape(c) for cid, c in by_id(conversations).items()} == {
        # m1, then k2's thinking and text on the retried-away branch, m3 + its tool blocks, m4.
        "aaaaaaaa-1111-4222-8333-000000000001": (7, 5, {"seen": 4, "reasoning": 1, "tool": 2}),
        # No parent links: the list is the thread; the whitespace-only answer is dropped.
        "aaaaaaaa-1111-4222-8333-000000000002": (2, 2, {"seen": 2}),
        "aaaaaaaa-1111-4222-8333-000000000003": (0, 0, {}),  # no chat_messages
    }


def test_import_search_and_reimport(cli, data: Path, index_path: Path) -> None:
    first = orjson.loads(
        cli(
            "import", data / FOLDER, data / "claude" / "claude_2025.json", "--index", index_path, "--json"
        ).stdout
    )
    assert (first["conversations_new"], first["conversations_skipped"], first["messages_indexed"]) == (
        7,
        2,
        23,
    )
    hits = [
        orjson.loads(line)
        for line in cli("search", "rebalancing", "--index", index_path, "--json").stdout.splitlines()
    ]
    assert [(h["conversation_id"], h["message_id"], h["url"]) for h in hits] == [
        (KAFKA, "k2", f"https://claude.ai/chat/{KAFKA}")
    ]
    docs = cli("search", "croissant role:document", "--index", index_path, "--json").stdout.splitlines()
    assert [orjson.loads(line)["message_id"] for line in docs] == ["d0000001-0000-4000-8000-000000000001"]
    none = cli("search", "fermentation OR supported", "--index", index_path, "--include-hidden")
    assert (none.stdout, none.stderr) == ("", "No matches for 'fermentation OR supported'.\n")
    again = orjson.loads(
        cli(
            "import", data / FOLDER, data / "claude" / "claude_2025.json", "--index", index_path, "--json"
        ).stdout
    )
    assert (again["conversations_unchanged"], again["conversations_new"], again["messages_indexed"]) == (
        7,
        0,
        0,
    )


def test_format_can_be_forced_and_is_checked(cli, data: Path, index_path: Path) -> None:
    forced = cli("import", data / "chatgpt_2024.json", "--format", "claude", "--index", index_path, "--json")
    summary = orjson.loads(forced.stdout)
    # Read as Claude, ChatGPT's records have no uuid: every one is skipped, none misread.
    assert summary["conversations_new"] == 0 and summary["conversations_skipped"] > 0
    assert set(w.rsplit(": ", 1)[1] for w in summary["warnings"]) == {"a record has no uuid"}
    wrong = cli("import", data / "chatgpt_2024.json", "--format", "bard", "--index", index_path)
    assert wrong.exit_code == 1
    assert wrong.stderr == f"error: unknown format 'bard'; chatdex reads {FORMATS}\n"


def test_the_help_lists_exactly_the_formats_there_are() -> None:
    assert ", ".join(sources.names()) == FORMATS


# --- damaged records ----------------------------------------------------------------------

RECORDS: list[Any] = json.loads((Path(__file__).parent / "data" / "claude" / "claude_2025.json").read_text())
RECORDS += json.loads((Path(__file__).parent / "data" / FOLDER / "projects.json").read_text())
junk = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.lists(st.text(max_size=3), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_records_parse_or_are_skipped(draw: st.DataObject) -> None:
    # In a list, so that the record itself may be replaced too.
    records = damage_drawn([draw.draw(st.sampled_from(RECORDS))], draw.draw, junk, most=4)
    results = list(claude.read(iter(records), Context("damaged.json")))
    assert len(results) == 1 and isinstance(results[0], Conversation | Skipped)
    if isinstance(results[0], Conversation):
        well_formed(results[0])


def test_repeated_document_uuids_in_a_project_give_distinct_messages() -> None:
    record = {
        "uuid": "p-dup",
        "name": "Twins",
        "docs": [
            {"uuid": "d-1", "filename": "a.md", "content": "first"},
            {"uuid": "d-1", "filename": "b.md", "content": "second"},
        ],
    }
    project = claude.parse_record(record, Context("projects.json"))
    assert [m.id for m in project.messages] == ["d-1", "p-dup:project_document:1"]
