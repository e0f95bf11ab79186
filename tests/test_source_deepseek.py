"""DeepSeek's export: conversations.json as found in the ZIP from chat.deepseek.com, read through
the same path an import takes (archive -> exports -> detection -> parser)."""

from __future__ import annotations

import copy
import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex.model import Conversation, Visibility
from chatdex.sources import deepseek, detect
from chatdex.sources.base import Context
from tests.helpers import by_id, by_message, damage, parse, search_json, shape, well_formed_or_refused

SOURDOUGH = "3f1c2a9e-5b7d-4e21-9c0a-1d2e3f4a5b6c"
LIGHTHOUSE = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
DEDUP = "c0ffee00-aaaa-4bbb-8ccc-0123456789ab"
RECEIPT = "d15ea5e0-0000-4000-8000-00000000000d"
EMPTY = "e3e3e3e3-1111-4222-8333-444455556666"


@pytest.fixture
def folder(data: Path) -> Path:
    return data / "deepseek"


@pytest.fixture
def conversations(folder: Path) -> dict[str, Conversation]:
    found, skipped = parse(folder / "conversations.json")
    assert skipped == []
    return by_id(found)


def _records(path: Path) -> list[Any]:
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, list) else [loaded]


def test_every_conversation_is_read_as_deepseek(conversations: dict[str, Conversation]) -> None:
    assert list(conversations) == [SOURDOUGH, LIGHTHOUSE, DEDUP, RECEIPT, EMPTY]
    assert {c.source for c in conversations.values()} == {"deepseek"}
    assert [c.title for c in conversations.values()] == [
        "Sourdough starter troubleshooting",
        "Tallest lighthouse in Europe",
        "Python list deduplication",
        "Scanned receipt",
        "New chat",
    ]
    assert {c.id: shape(c) for c in conversations.values()} == {
        SOURDOUGH: (5, 2, {"seen": 5}),
        LIGHTHOUSE: (7, 7, {"seen": 4, "tool": 1, "reasoning": 2}),
        DEDUP: (5, 5, {"seen": 4, "reasoning": 1}),
        RECEIPT: (5, 5, {"seen": 4, "tool": 1}),
        EMPTY: (0, 0, {}),
    }


def test_conversation_fields(conversations: dict[str, Conversation]) -> None:
    lighthouse = conversations[LIGHTHOUSE]
    assert lighthouse.created == datetime(2025, 5, 5, 17, 2, 59, 833000, tzinfo=UTC)
    assert lighthouse.updated == datetime(2025, 5, 5, 17, 6, 10, 869000, tzinfo=UTC)
    assert lighthouse.model == "deepseek-reasoner"
    assert lighthouse.url == f"https://chat.deepseek.com/a/chat/s/{LIGHTHOUSE}"
    assert conversations[SOURDOUGH].model == "deepseek-chat"
    assert conversations[EMPTY].model is None
    assert conversations[EMPTY].messages == []


def test_regenerated_answer_is_a_branch_and_the_newest_leaf_is_current(
    conversations: dict[str, Conversation],
) -> None:
    sourdough = conversations[SOURDOUGH].messages
    # Depth first, siblings by time: the first answer's thread, then the regenerated answer.
    assert [(m.id, m.parent_id, m.role, m.on_current_branch) for m in sourdough] == [
        ("1", None, "user", True),
        ("2", "1", "assistant", False),
        ("3", "2", "user", False),
        ("5", "3", "assistant", False),
        ("4", "1", "assistant", True),
    ]
    assert [m.position for m in sourdough] == [0, 1, 2, 3, 4]
    assert sourdough[4].text == (
        "Acetone usually means hunger: discard most of it and feed at a 1:5:5 ratio of starter, flour and water."
    )
    assert sourdough[4].model == "deepseek-chat"
    assert sourdough[0].model is None
    assert sourdough[4].created == datetime(2025, 3, 8, 2, 3, tzinfo=UTC)


def test_attached_file_is_named_and_its_text_searchable(conversations: dict[str, Conversation]) -> None:
    log = by_message(conversations[SOURDOUGH])["3"]
    assert log.attachments == ["feeding-log.txt"]
    assert (
        log.text
        == "Here is my feeding log.\n\nfeeding-log.txt:\nDay 1: 50 g rye flour, 50 g water\nDay 2: skipped"
    )


def test_search_reasoning_and_answer_of_one_node_become_three_messages(
    conversations: dict[str, Conversation],
) -> None:
    messages = conversations[LIGHTHOUSE].messages
    assert [(m.id, m.parent_id, m.role, m.visibility, m.content_type) for m in messages] == [
        ("1", None, "user", Visibility.SEEN, "request"),
        ("2:0", "1", "tool", Visibility.TOOL, "search"),
        ("2:1", "2:0", "assistant", Visibility.REASONING, "think"),
        ("2", "2:1", "assistant", Visibility.SEEN, "response"),
        ("3", "2", "user", Visibility.SEEN, "request"),
        ("4:0", "3", "assistant", Visibility.REASONING, "think"),
        ("4", "4:0", "assistant", Visibility.SEEN, "response"),
    ]
    found = by_message(conversations[LIGHTHOUSE])
    assert found["2:0"].text == (
        "Phare de l'Île Vierge\nAt 82.5 metres it is the tallest traditional lighthouse in Europe.\n\n"
        "Lighthouses of Brittany\nA granite tower on a small island off the Finistère coast."
    )
    # The inline [citation:1] marker is drawn as a link by the app, not read as words.
    assert found["2"].text == "The tallest is the Phare de l'Île Vierge in Brittany, 82.5 m high."
    assert found["4:0"].text == "Commonly cited: 365 steps, one for each day of the year."


def test_prompt_reasoning_and_answer_in_one_node(conversations: dict[str, Conversation]) -> None:
    messages = conversations[DEDUP].messages
    assert [(m.id, m.parent_id, m.role, m.visibility) for m in messages] == [
        ("1:0", None, "user", Visibility.SEEN),
        ("1:1", "1:0", "assistant", Visibility.REASONING),
        ("1", "1:1", "assistant", Visibility.SEEN),
        ("2:0", "1", "user", Visibility.SEEN),
        ("2", "2:0", "assistant", Visibility.SEEN),
    ]
    assert [m.text for m in messages] == [
        "How do I remove duplicates from a list but keep the order?",
        "Order must be preserved, so dict.fromkeys is the idiom.",
        "Use list(dict.fromkeys(items)); dictionaries keep insertion order.",
        "And for unhashable items?",
        "Fall back to a loop that appends each item not already in the result.",
    ]


def test_file_only_prompt_unknown_fragment_and_tool_search(conversations: dict[str, Conversation]) -> None:
    receipt = conversations[RECEIPT]
    assert receipt.title == "Scanned receipt"
    assert [(m.id, m.role, m.visibility, m.text, m.attachments) for m in receipt.messages] == [
        ("1", "user", Visibility.SEEN, "", ["receipt.png"]),
        (
            "2",
            "assistant",
            Visibility.SEEN,
            "I can read only the text in images.\n\nUpload a sharper photo for better results.",
            [],
        ),
        ("3", "user", Visibility.SEEN, "Search for receipt scanner apps", []),
        ("4:0", "tool", Visibility.TOOL, "receipt scanner apps", []),
        ("4", "assistant", Visibility.SEEN, "Try a dedicated scanner app.", []),
    ]


def test_first_record_with_only_a_root_node_is_detected(folder: Path) -> None:
    found, skipped = parse(folder / "root_first.json")
    assert skipped == []
    assert [(c.source, c.id, shape(c)) for c in found] == [
        ("deepseek", "f00dfeed-0000-4000-8000-000000000001", (0, 0, {})),
        ("deepseek", "f00dfeed-0000-4000-8000-000000000002", (2, 2, {"seen": 2})),
    ]


@pytest.mark.parametrize(
    "name",
    ["chatgpt_2023.json", "chatgpt_2024.json", "chatgpt_2025.json", "chatgpt_2026/conversations-000.json"],
)
def test_chatgpt_records_are_not_deepseek(data: Path, name: str) -> None:
    records = _records(data / name)
    assert [deepseek.is_record(r) for r in records] == [False] * len(records)
    assert detect(records[0]).name == "chatgpt"


def test_chatgpt_samples_are_not_deepseek(samples: Path) -> None:
    files = sorted((samples / "chatgpt").glob("*.json"))
    assert files
    for path in files:
        assert not any(deepseek.is_record(r) for r in _records(path)), path.name


def test_other_shapes_are_not_deepseek() -> None:
    assert not deepseek.is_record({"id": "x", "mapping": []})
    assert not deepseek.is_record({"id": "x", "inserted_at": "2025-01-01", "mapping": {}, "create_time": 1.0})
    assert not deepseek.is_record(
        {"id": "x", "mapping": {"a": {"message": {"content": {"parts": ["hi"]}}}}, "inserted_at": "2025"}
    )
    assert not deepseek.is_record(["mapping"])
    assert deepseek.is_record({"id": "x", "mapping": {"root": {"message": None}}, "inserted_at": "2025"})


def test_malformed_records_are_skipped_with_reasons(folder: Path) -> None:
    found, skipped = parse(folder / "malformed.json")
    where = str(folder / "malformed.json")
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{where}: record 2", "a conversation record is str, not an object"),
        (f"{where}: record 3", "a conversation record has no id"),
        (
            f"{where}: record 4",
            "conversation 0c0c0c0c-0000-4000-8000-0000000000cc: 'mapping' is list, not an object",
        ),
    ]
    assert [(c.id, shape(c)) for c in found] == [
        ("0a0a0a0a-0000-4000-8000-0000000000aa", (2, 2, {"seen": 2})),
        ("0b0b0b0b-0000-4000-8000-0000000000bb", (1, 1, {"seen": 1})),
    ]
    assert found[1].messages[0].text == "Survivor text"


def test_export_zip_as_downloaded(folder: Path, make_zip) -> None:
    archive = make_zip(
        {
            "conversations.json": (folder / "conversations.json").read_bytes(),
            "user.json": b'{"email": null, "mobile": {"mobile_number": "000"}}',
        },
        name="deepseek_data-2025-08-01.zip",
    )
    found, skipped = parse(archive)
    assert (skipped, [c.id for c in found]) == ([], [SOURDOUGH, LIGHTHOUSE, DEDUP, RECEIPT, EMPTY])


def test_import_search_and_reimport(cli, folder: Path, index_path: Path) -> None:
    path = folder / "conversations.json"
    first = json.loads(cli("import", path, "--index", index_path, "--json").stdout)
    assert (first["conversations_new"], first["messages_indexed"], first["conversations_skipped"]) == (
        5,
        22,
        0,
    )

    hits = search_json(cli, index_path, "acetone")
    assert [(h["conversation_id"], h["source"], h["url"]) for h in hits] == [
        (SOURDOUGH, "deepseek", f"https://chat.deepseek.com/a/chat/s/{SOURDOUGH}")
    ]
    # Reasoning is searched only when asked for.
    assert search_json(cli, index_path, "idiom") == []
    hidden = search_json(cli, index_path, "idiom", "--include-hidden", "--messages")
    assert [(h["conversation_id"], h["message_id"], h["role"]) for h in hidden] == [
        (DEDUP, "1:1", "assistant")
    ]

    again = json.loads(cli("import", path, "--index", index_path, "--json").stdout)
    assert (again["conversations_new"], again["conversations_unchanged"], again["messages_indexed"]) == (
        0,
        5,
        0,
    )


_EXTRA_DAMAGE: list[Any] = ["root"]


_FIXTURE_RECORDS = [
    *_records(Path(__file__).parent / "data" / "deepseek" / "conversations.json"),
    *_records(Path(__file__).parent / "data" / "deepseek" / "malformed.json"),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(_FIXTURE_RECORDS) - 1), seed=st.integers(0, 2**32 - 1), count=st.integers(1, 10)
)
def test_damaged_records_give_a_conversation_or_a_reason(index: int, seed: int, count: int) -> None:
    record = damage(copy.deepcopy(_FIXTURE_RECORDS[index]), random.Random(seed), count, _EXTRA_DAMAGE)
    well_formed_or_refused(lambda: deepseek.parse_record(record, Context("damaged.json")))
