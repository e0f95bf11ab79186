"""The ChatGPT parser against self-written fixtures of every era (tests/data/README.md has
the expected numbers and why)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from chatdex.errors import ExportFormatError
from chatdex.model import Visibility
from chatdex.sources import chatgpt
from tests.helpers import by_id, parse, shape

# conversation id -> (messages, on current branch, per visibility)
EXPECTED = {
    "chatgpt_2023.json": {
        "2023aaaa-0000-4000-8000-000000000001": (4, 4, {"seen": 4}),
        "2023aaaa-0000-4000-8000-000000000002": (5, 5, {"seen": 4, "tool": 1}),
    },
    "chatgpt_2024.json": {
        "2024aaaa-0000-4000-8000-000000000001": (9, 6, {"seen": 9}),
        "2024aaaa-0000-4000-8000-000000000002": (6, 6, {"seen": 2, "tool": 4}),
        "2024aaaa-0000-4000-8000-000000000003": (6, 6, {"seen": 6}),
    },
    "chatgpt_2025.json": {
        "2025aaaa-0000-4000-8000-000000000001": (8, 8, {"seen": 4, "reasoning": 3, "tool": 1}),
        "2025aaaa-0000-4000-8000-000000000002": (8, 8, {"seen": 6, "tool": 2}),
        "2025aaaa-0000-4000-8000-000000000003": (7, 7, {"seen": 6, "hidden": 1}),
        "2025aaaa-0000-4000-8000-000000000004": (10, 7, {"seen": 8, "tool": 2}),
    },
    "chatgpt_2026": {
        "2026aaaa-0000-4000-8000-000000000001": (5, 4, {"seen": 5}),
        "2026aaaa-0000-4000-8000-000000000002": (4, 4, {"seen": 2, "tool": 2}),
        "2026aaaa-0000-4000-8000-000000000003": (5, 5, {"seen": 2, "tool": 3}),
        "2026aaaa-0000-4000-8000-000000000004": (6, 6, {"seen": 4, "hidden": 1, "tool": 1}),
    },
    "chat_html/chat.html": {
        "4e7aaaaa-0000-4000-8000-000000000001": (4, 4, {"seen": 4}),
        "4e7aaaaa-0000-4000-8000-000000000002": (2, 2, {"seen": 2}),
    },
    "chat_html_escaped/chat.html": {
        "4e7caaaa-0000-4000-8000-000000000001": (2, 2, {"seen": 2}),
    },
    "malformed.json": {
        "badaaaaa-0000-4000-8000-000000000001": (2, 2, {"seen": 2}),
        "badaaaaa-0000-4000-8000-000000000002": (3, 2, {"seen": 3}),
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_era_gives_the_expected_messages_branches_and_visibility(data: Path, name: str) -> None:
    conversations, _ = parse(data / name)
    assert {cid: shape(c) for cid, c in by_id(conversations).items()} == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_positions_follow_reading_order_and_parents_come_first(data: Path, name: str) -> None:
    for conversation in parse(data / name)[0]:
        assert [m.position for m in conversation.messages] == list(range(len(conversation.messages)))
        seen: set[str] = set()
        for message in conversation.messages:
            assert message.parent_id is None or message.parent_id in seen
            seen.add(message.id)


def _off_branch(data: Path, name: str, conversation_id: str) -> list[str]:
    conversation = by_id(parse(data / name)[0])[conversation_id]
    return [m.id[:8] for m in conversation.messages if not m.on_current_branch]


def test_current_node_wins_over_the_newest_leaf(data: Path) -> None:
    # The regenerated answer a008 is the newest leaf but current_node is on the original.
    assert _off_branch(data, "chatgpt_2024.json", "2024aaaa-0000-4000-8000-000000000001") == [
        "2024a005",
        "2024a007",
        "2024a008",
    ]


def test_missing_or_dangling_current_node_falls_back_to_the_newest_leaf(data: Path) -> None:
    assert _off_branch(data, "chatgpt_2025.json", "2025aaaa-0000-4000-8000-000000000004") == [
        "2025d008",
        "2025d009",
        "2025d010",
    ]
    assert _off_branch(data, "malformed.json", "badaaaaa-0000-4000-8000-000000000002") == ["bad10002"]


def test_2026_shards_rebuild_the_tree_from_parent_links(data: Path) -> None:
    assert _off_branch(data, "chatgpt_2026", "2026aaaa-0000-4000-8000-000000000001") == ["2026a003"]


def _message(data: Path, name: str, conversation_id: str, prefix: str) -> str:
    conversation = by_id(parse(data / name)[0])[conversation_id]
    return next(m for m in conversation.messages if m.id.startswith(prefix)).text


def test_citation_markers_are_removed(data: Path) -> None:
    assert _message(data, "chatgpt_2023.json", "2023aaaa-0000-4000-8000-000000000002", "2023b006") == (
        "Your median commute is 27.5 minutes. The national survey figure is about 26.8 minutes one way, "
        "so you are roughly on par with the typical worker."
    )
    assert _message(data, "chatgpt_2024.json", "2024aaaa-0000-4000-8000-000000000002", "2024b008") == (
        "Yes, Saturday looks promising: the geomagnetic forecast shows Kp 5 with a storm watch and the cloud "
        "cover should clear after 21:00. Head out of town toward Kvaløya between 22:00 and 02:00."
    )
    final = _message(data, "chatgpt_2025.json", "2025aaaa-0000-4000-8000-000000000001", "2025a008")
    assert "manifests together. Use kubectl rollout undo" in final
    assert not any("\ue200" <= ch <= "\ue2ff" for ch in final)
    assert "turn0search" not in final
    cascais = by_id(parse(data / "chatgpt_2026")[0])["2026aaaa-0000-4000-8000-000000000002"]
    assert cascais.messages[-1].text == "Low tide at Cascais on Saturday is at 06:42 and again at 19:05."


def test_multimodal_parts_give_transcripts_and_placeholders(data: Path) -> None:
    name, cid = "chatgpt_2025.json", "2025aaaa-0000-4000-8000-000000000003"
    assert _message(data, name, cid, "2025c003") == (
        "What stretching routine should I do after a long cycling ride?\n[audio]"
    )
    assert _message(data, name, cid, "2025c007") == "[image]\nIs my saddle height right in this photo?"
    assert "And how long should I foam roll my calves?" in _message(data, name, cid, "2025c005")


def test_attachment_only_message_is_kept_with_its_attachment_names(data: Path) -> None:
    conversation = by_id(parse(data / "chatgpt_2025.json")[0])["2025aaaa-0000-4000-8000-000000000002"]
    message = next(m for m in conversation.messages if m.id.startswith("2025b006"))
    assert (message.text, message.attachments) == ("", ["menu_prices.xlsx"])


def test_unknown_content_type_keeps_its_words(data: Path) -> None:
    text = "\n".join(
        m.text
        for m in by_id(parse(data / "chatgpt_2025.json")[0])["2025aaaa-0000-4000-8000-000000000004"].messages
        if m.content_type == "future_widget"
    )
    assert "megohmmeter" in text


def test_custom_gpt_and_project_urls_and_ids(data: Path) -> None:
    conversations = by_id(parse(data / "chatgpt_2025.json")[0])
    gpt = conversations["2025aaaa-0000-4000-8000-000000000002"]
    project = conversations["2025aaaa-0000-4000-8000-000000000003"]
    plain = conversations["2025aaaa-0000-4000-8000-000000000001"]
    assert (gpt.gizmo_id, gpt.project_id, gpt.url) == (
        "g-abc123def",
        None,
        "https://chatgpt.com/g/g-abc123def/c/2025aaaa-0000-4000-8000-000000000002",
    )
    assert project.project_id == "g-p-0123456789abcdef"
    assert project.url == "https://chatgpt.com/g/g-p-0123456789abcdef/c/2025aaaa-0000-4000-8000-000000000003"
    assert plain.url == "https://chatgpt.com/c/2025aaaa-0000-4000-8000-000000000001"


def test_2023_records_use_id_and_null_titles_become_empty(data: Path) -> None:
    assert sorted(by_id(parse(data / "chatgpt_2023.json")[0])) == [
        "2023aaaa-0000-4000-8000-000000000001",
        "2023aaaa-0000-4000-8000-000000000002",
    ]
    assert by_id(parse(data / "chatgpt_2024.json")[0])["2024aaaa-0000-4000-8000-000000000002"].title == ""


def test_html_exports_are_unescaped(data: Path) -> None:
    woodpecker = _message(data, "chat_html/chat.html", "4e7aaaaa-0000-4000-8000-000000000001", "4e7a0005")
    assert "<b>Great Spotted Woodpecker</b> & <i>Dendrocopos major</i>" in woodpecker
    conversation = parse(data / "chat_html_escaped/chat.html")[0][0]
    assert conversation.title == "Quick pickles & brine"
    pickles = next(m.text for m in conversation.messages if m.id.startswith("4e7c0003"))
    for fragment in ("Use 1 cup vinegar & 1 cup water", ">= 1:1", "< 2 tbsp", '"classic"'):
        assert fragment in pickles


def test_malformed_records_are_skipped_with_reasons(data: Path) -> None:
    conversations, skipped = parse(data / "malformed.json")
    assert len(conversations) == 2
    assert [s.reason for s in skipped] == [
        "a conversation record is str, not an object",
        "conversation badaaaaa-0000-4000-8000-000000000003: 'mapping' is list, not an object",
        "a conversation record has no id",
    ]
    assert [s.where.rsplit(": ", 1)[1] for s in skipped] == ["record 3", "record 4", "record 5"]


def _record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": "c1",
        "title": "t",
        "create_time": 1_700_000_000,
        "current_node": "b",
        "mapping": {
            "root": {"id": "root", "message": None, "parent": None, "children": ["a"]},
            "a": {
                "id": "a",
                "parent": "root",
                "message": {
                    "id": "a",
                    "author": {"role": "user"},
                    "create_time": 1_700_000_001,
                    "content": {"content_type": "text", "parts": ["hello"]},
                },
            },
            "b": {
                "id": "b",
                "parent": "a",
                "message": {
                    "id": "b",
                    "author": {"role": "assistant"},
                    "create_time": "2023-11-14T22:13:22Z",
                    "metadata": {"model_slug": "gpt-4o"},
                    "recipient": "all",
                    "content": {
                        "content_type": "text",
                        "parts": ["hi \ue200cite\ue202turn0search1\ue201there【1†a†b.com】"],
                    },
                },
            },
        },
    }
    record.update(changes)
    return record


def test_times_accept_epoch_numbers_and_iso_strings() -> None:
    conversation = chatgpt.parse_conversation(_record())
    assert [m.created for m in conversation.messages] == [
        datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC),
        datetime(2023, 11, 14, 22, 13, 22, tzinfo=UTC),
    ]
    assert conversation.messages[1].text == "hi there"
    assert conversation.model == "gpt-4o"


def test_parent_cycles_terminate_and_keep_every_message() -> None:
    record = _record()
    mapping = record["mapping"]
    assert isinstance(mapping, dict)
    mapping["a"]["parent"] = "b"  # a <-> b
    conversation = chatgpt.parse_conversation(record)
    assert sorted(m.id for m in conversation.messages) == ["a", "b"]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ([], "a conversation record is list, not an object"),
        ({"title": "x", "mapping": {}}, "a conversation record has no id"),
        ({"id": "  ", "mapping": {}}, "a conversation record has no id"),
        ({"id": "c", "mapping": "nope"}, "conversation c: 'mapping' is str, not an object"),
    ],
)
def test_unusable_records_raise_a_readable_error(record: object, message: str) -> None:
    with pytest.raises(ExportFormatError) as caught:
        chatgpt.parse_conversation(record)
    assert str(caught.value) == message


def test_visibility_of_system_and_tool_calls() -> None:
    record = _record()
    mapping = record["mapping"]
    assert isinstance(mapping, dict)
    mapping["b"]["message"]["recipient"] = "browser"
    assert chatgpt.parse_conversation(record).messages[1].visibility is Visibility.TOOL
    mapping["b"]["message"]["author"] = {"role": "system"}
    assert chatgpt.parse_conversation(record).messages[1].visibility is Visibility.HIDDEN


def test_a_message_whose_own_id_differs_from_its_node_keeps_the_node_id() -> None:
    # Parent links name nodes; a message id that says otherwise (damage) must not orphan its
    # children.
    record = _record()
    record["mapping"]["a"]["message"]["id"] = "something-else"  # type: ignore[index]
    conversation = chatgpt.parse_conversation(record)
    assert [(m.id, m.parent_id) for m in conversation.messages] == [("a", None), ("b", "a")]
