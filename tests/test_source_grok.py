"""Grok's export: prod-grok-backend.json as found in the ZIP from accounts.x.ai, read through the
same path an import takes (archive -> exports, which streams `conversations.item` -> parser)."""

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
from chatdex.sources import detect, grok
from chatdex.sources.base import Context
from tests.helpers import by_id, by_message, damage, parse, search_json, shape, well_formed_or_refused

RAIN = "a1b2c3d4-0001-4000-8000-0000000000a1"
BOAT = "b2c3d4e5-0002-4000-8000-0000000000b2"
PLAN = "c3d4e5f6-0003-4000-8000-0000000000c3"
EMPTY = "d4e5f6a7-0004-4000-8000-0000000000d4"
ACCOUNT = "5e1f0c2a-7b3d-4c8e-9a6f-0d1e2f3a4b5c"
BACKEND = Path(__file__).parent / "data" / "grok" / "prod-grok-backend.json"


@pytest.fixture
def folder(data: Path) -> Path:
    return data / "grok"


@pytest.fixture
def conversations(folder: Path) -> dict[str, Conversation]:
    found, skipped = parse(folder / "prod-grok-backend.json")
    assert skipped == []
    return by_id(found)


def _backend() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(BACKEND.read_text(encoding="utf-8"))
    return loaded


def test_every_conversation_is_read_as_grok(conversations: dict[str, Conversation]) -> None:
    assert list(conversations) == [RAIN, BOAT, PLAN, EMPTY]
    assert {c.source for c in conversations.values()} == {"grok"}
    assert [c.title for c in conversations.values()] == [
        "Rainwater tank sizing",
        "Name for a sailing boat",
        "Floor plan and a lighthouse",
        "",
    ]
    assert {c.id: shape(c) for c in conversations.values()} == {
        RAIN: (6, 6, {"seen": 4, "reasoning": 1, "tool": 1}),
        BOAT: (9, 6, {"seen": 7, "reasoning": 1, "tool": 1}),
        PLAN: (5, 5, {"seen": 4, "tool": 1}),
        EMPTY: (0, 0, {}),
    }


def test_conversation_fields(conversations: dict[str, Conversation]) -> None:
    rain = conversations[RAIN]
    assert rain.created == datetime(2025, 2, 20, 18, 4, 11, 512000, tzinfo=UTC)
    assert rain.updated == datetime(2025, 2, 20, 18, 6, 31, 4000, tzinfo=UTC)
    assert rain.url == f"https://grok.com/chat/{RAIN}"
    assert rain.account == ACCOUNT
    # The model of the branch shown, not of the newer answer on the branch left behind.
    assert [conversations[c].model for c in (RAIN, BOAT, PLAN, EMPTY)] == [
        "grok-3",
        "grok-4-auto",
        "grok-3",
        None,
    ]


def test_answer_with_reasoning_and_web_results(conversations: dict[str, Conversation]) -> None:
    rain = conversations[RAIN].messages
    assert [(m.id, m.parent_id, m.role, m.visibility, m.content_type) for m in rain] == [
        ("a1-r1", None, "user", Visibility.SEEN, "text"),
        ("a1-r2:thinking", "a1-r1", "assistant", Visibility.REASONING, "thinking"),
        ("a1-r2:tools", "a1-r2:thinking", "tool", Visibility.TOOL, "tools"),
        ("a1-r2", "a1-r2:tools", "assistant", Visibility.SEEN, "text"),
        ("a1-r3", "a1-r2", "user", Visibility.SEEN, "text"),
        ("a1-r4", "a1-r3", "assistant", Visibility.SEEN, "text"),
    ]
    found = by_message(conversations[RAIN])
    # The tool card's markup and id go; the tool's name and its query stay as words.
    assert found["a1-r2:thinking"].text == (
        'Lisbon gets about 700 mm of rain a year; I should check.\nweb_search\n{"query":"Lisbon annual rainfall mm"}'
    )
    # The cited result is also among the search results: each source once.
    assert found["a1-r2:tools"].text == (
        "Climate of Lisbon\nAverage annual precipitation is about 700 mm, mostly from October to April.\n\n"
        "Sizing a rainwater tank\nMultiply roof area by rainfall and a runoff coefficient."
    )
    # The inline citation chip is not words of the answer.
    assert found["a1-r2"].text == (
        "A 100 m² roof collects about 70,000 litres a year. A 5,000-litre tank covers most summer gaps."
    )
    assert [found[i].model for i in ("a1-r1", "a1-r2", "a1-r4")] == [None, "grok-3", "grok-3"]


def test_every_date_form_of_one_file(conversations: dict[str, Conversation]) -> None:
    found = by_message(conversations[RAIN])
    assert [found[i].created for i in ("a1-r1", "a1-r3", "a1-r4")] == [
        datetime(2025, 2, 20, 18, 4, 12, tzinfo=UTC),  # {"$date": {"$numberLong": "..."}}
        datetime(2025, 2, 20, 18, 6, tzinfo=UTC),  # {"$date": "ISO"}
        datetime(2025, 2, 20, 18, 6, 30, tzinfo=UTC),  # {"$date": ms}
    ]
    assert by_message(conversations[PLAN])["c3-r2"].created == datetime(2024, 12, 1, 9, 15, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"$date": {"$numberLong": "1740074652000"}}, datetime(2025, 2, 20, 18, 4, 12, tzinfo=UTC)),
        ({"$date": 1740074652000}, datetime(2025, 2, 20, 18, 4, 12, tzinfo=UTC)),
        ({"$date": 1740074652500.0}, datetime(2025, 2, 20, 18, 4, 12, 500000, tzinfo=UTC)),
        ({"$date": "2025-02-20T18:04:12Z"}, datetime(2025, 2, 20, 18, 4, 12, tzinfo=UTC)),
        ("2025-02-20T18:04:12.000000Z", datetime(2025, 2, 20, 18, 4, 12, tzinfo=UTC)),
        (1740074652000, datetime(2025, 2, 20, 18, 4, 12, tzinfo=UTC)),
        (1740074652, datetime(2025, 2, 20, 18, 4, 12, tzinfo=UTC)),
        ({"$date": {"$numberLong": "not a number"}}, None),
        ({"$date": {"$numberLong": "²"}}, None),
        ({"$date": {"$numberLong": "9" * 40}}, None),
        ({"$date": True}, None),
        ({"$date": 10**400}, None),
        (10**400, None),
        ({"$date": float("nan")}, None),
        ({"$date": None}, None),
        ({"$numberLong": "1740074652000"}, None),
        ([], None),
        (None, None),
    ],
)
def test_mongo_dates(value: Any, expected: datetime | None) -> None:
    assert grok.when(value) == expected


def test_leaf_response_id_names_the_current_branch(conversations: dict[str, Conversation]) -> None:
    boat = conversations[BOAT].messages
    assert [(m.id, m.parent_id, m.role, m.on_current_branch) for m in boat] == [
        ("b2-r1", None, "user", True),
        ("b2-r2", "b2-r1", "assistant", False),
        ("b2-r3", "b2-r1", "assistant", True),
        ("b2-r4", "b2-r3", "user", True),
        ("b2-r5:thinking", "b2-r4", "assistant", True),
        ("b2-r5:tools", "b2-r5:thinking", "tool", True),
        ("b2-r5", "b2-r5:tools", "assistant", True),
        ("b2-r6", "b2-r1", "user", False),
        ("b2-r7", "b2-r6", "assistant", False),
    ]
    found = by_message(conversations[BOAT])
    assert found["b2-r5:thinking"].text == "Short bird names: Wren, Tern."
    assert found["b2-r5:tools"].text == "Brainstorming\n\nListing one-syllable seabirds"
    assert found["b2-r7"].model == "grok-4-mini-thinking-tahoe"


def test_without_leaf_response_id_the_newest_leaf_is_current() -> None:
    record = _backend()["conversations"][1]
    del record["conversation"]["leaf_response_id"]
    boat = grok.parse_record(record, Context("x"))
    assert [m.id for m in boat.messages if m.on_current_branch] == ["b2-r1", "b2-r6", "b2-r7"]


def test_unlinked_responses_are_one_thread_in_list_order(conversations: dict[str, Conversation]) -> None:
    plan = conversations[PLAN]
    assert [(m.id, m.parent_id, m.role, m.visibility, m.text, m.attachments) for m in plan.messages] == [
        (
            "c3-r1",
            None,
            "user",
            Visibility.SEEN,
            "Describe this floor plan, then draw a lighthouse.",
            ["2f6d7a1c-0b9e-4c3d-8e7f-6a5b4c3d2e1f"],
        ),
        (
            "c3-r2",
            "c3-r1",
            "assistant",
            Visibility.SEEN,
            "The plan shows two bedrooms and an open kitchen.",
            [],
        ),
        ("c3-r3:tools", "c3-r2", "tool", Visibility.TOOL, "a watercolor lighthouse at dusk", []),
        (
            "c3-r3",
            "c3-r3:tools",
            "assistant",
            Visibility.SEEN,
            "",
            ["users/5e1f0c2a/generated/7e2a9b1c/image.jpg"],
        ),
        ("c3-r4", "c3-r3", "user", Visibility.SEEN, "Thanks!", []),
    ]
    # "grok-3" as the sender is an answer, and names its model; the failed last answer is dropped.
    assert [m.model for m in plan.messages] == [None, "grok-3", "grok-3", "grok-3", None]


def test_responses_from_before_parent_links_lead_to_the_linked_ones() -> None:
    def response(rid: str, sender: str, text: str, **extra: Any) -> dict[str, Any]:
        return {"response": {"_id": rid, "sender": sender, "message": text, **extra}}

    record = {
        "conversation": {"id": "mixed"},
        "responses": [
            response("m1", "human", "Old question"),
            response("m2", "assistant", "Old answer"),
            response("m3", "human", "New question", parent_response_id="m2"),
            response("m4", "assistant", "New answer", parent_response_id="m3"),
            response("m5", "assistant", "Regenerated answer", parent_response_id="m3"),
        ],
    }
    mixed = grok.parse_record(record, Context("x"))
    assert [(m.id, m.parent_id, m.on_current_branch) for m in mixed.messages] == [
        ("m1", None, True),
        ("m2", "m1", True),
        ("m3", "m2", True),
        ("m4", "m3", False),
        ("m5", "m3", True),
    ]


def test_projects_before_conversations_and_a_single_unwrapped_conversation(tmp_path: Path) -> None:
    backend = _backend()
    reordered = tmp_path / "prod-grok-backend.json"
    reordered.write_text(
        json.dumps(
            {"projects": backend["projects"], "tasks": [], "conversations": backend["conversations"][:2]}
        )
    )
    found, skipped = parse(reordered)
    assert (skipped, [c.id for c in found]) == ([], [RAIN, BOAT])

    single = tmp_path / "one.json"
    single.write_text(
        json.dumps(
            {
                "conversation": {"id": "one", "title": "One"},
                "responses": [
                    {
                        "_id": "o1",
                        "sender": "human",
                        "message": "Ping",
                        "create_time": "2025-01-01T00:00:00Z",
                    },
                    {
                        "_id": "o2",
                        "sender": "assistant",
                        "message": "Pong",
                        "create_time": "2025-01-01T00:00:01Z",
                    },
                ],
            }
        )
    )
    found, skipped = parse(single)
    assert (skipped, [(m.id, m.parent_id, m.role, m.text) for m in found[0].messages]) == (
        [],
        [("o1", None, "user", "Ping"), ("o2", "o1", "assistant", "Pong")],
    )


def test_detection() -> None:
    record = _backend()["conversations"][0]
    assert detect(record) is grok.FORMAT
    assert grok.FORMAT.containers == ("conversations",)
    assert not grok.is_record({"conversation": "x", "responses": []})
    assert not grok.is_record({"conversation": {"id": "x"}})
    assert not grok.is_record([{"conversation": {}, "responses": []}])


def test_malformed_records_are_skipped_with_reasons(folder: Path) -> None:
    found, skipped = parse(folder / "malformed.json")
    where = str(folder / "malformed.json")
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{where}: record 2", "a conversation record is str, not an object"),
        (f"{where}: record 3", "a conversation record has no 'conversation' object"),
        (f"{where}: record 4", "a conversation record has no id"),
        (
            f"{where}: record 5",
            "conversation f6a7b8c9-0006-4000-8000-0000000000f6: 'responses' is dict, not a list",
        ),
    ]
    assert [(c.id, shape(c), [m.id for m in c.messages]) for c in found] == [
        ("e5f6a7b8-0005-4000-8000-0000000000e5", (2, 2, {"seen": 2}), ["e5-r1", "e5-r2"])
    ]


_BASE = "ttl/30d/export_data/5e1f0c2a-7b3d-4c8e-9a6f-0d1e2f3a4b5c"
_MEMBERS = {
    f"{_BASE}/prod-grok-backend.json": BACKEND.read_bytes(),
    f"{_BASE}/prod-mc-auth-mgmt-api.json": b'{"user": {"userId": "x"}}',
    f"{_BASE}/prod-mc-billing.json": b"{}",
    f"{_BASE}/prod-mc-asset-server/2f6d7a1c-0b9e-4c3d-8e7f-6a5b4c3d2e1f/content": b"plan",
}


def test_export_zip_as_downloaded(make_zip) -> None:
    archive = make_zip(_MEMBERS, name="5e1f0c2a-7b3d-4c8e-9a6f-0d1e2f3a4b5c.zip")
    found, skipped = parse(archive)
    assert (skipped, [c.id for c in found]) == ([], [RAIN, BOAT, PLAN, EMPTY])


def test_unzipped_export_folder(tmp_path: Path) -> None:
    for name, content in _MEMBERS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    found, skipped = parse(tmp_path)
    assert (skipped, [c.id for c in found]) == ([], [RAIN, BOAT, PLAN, EMPTY])


def test_import_search_and_reimport(cli, index_path: Path) -> None:
    first = json.loads(cli("import", BACKEND, "--index", index_path, "--json").stdout)
    assert (first["conversations_new"], first["messages_indexed"], first["conversations_skipped"]) == (
        4,
        20,
        0,
    )

    hits = search_json(cli, index_path, "Tidewalker")
    assert [(h["conversation_id"], h["message_id"], h["source"], h["url"]) for h in hits] == [
        (BOAT, "b2-r3", "grok", f"https://grok.com/chat/{BOAT}")
    ]
    # Web results are searched only when asked for.
    assert search_json(cli, index_path, "coefficient") == []
    hidden = search_json(cli, index_path, "coefficient", "--include-hidden", "--messages")
    assert [(h["conversation_id"], h["message_id"], h["role"]) for h in hidden] == [
        (RAIN, "a1-r2:tools", "tool")
    ]

    again = json.loads(cli("import", BACKEND, "--index", index_path, "--json").stdout)
    assert (again["conversations_new"], again["conversations_unchanged"], again["messages_indexed"]) == (
        0,
        4,
        0,
    )


_EXTRA_DAMAGE: list[Any] = [
    "a1-r1",
    {"$date": {"$numberLong": "9" * 30}},
    {"$date": "x"},
    "<grok:render type='x'>",
    "<xai:tool_name>",
]


_FIXTURE_RECORDS = [
    *_backend()["conversations"],
    *json.loads((BACKEND.parent / "malformed.json").read_text(encoding="utf-8"))["conversations"],
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(0, len(_FIXTURE_RECORDS) - 1), seed=st.integers(0, 2**32 - 1), count=st.integers(1, 10)
)
def test_damaged_records_give_a_conversation_or_a_reason(index: int, seed: int, count: int) -> None:
    record = damage(copy.deepcopy(_FIXTURE_RECORDS[index]), random.Random(seed), count, _EXTRA_DAMAGE)
    well_formed_or_refused(lambda: grok.parse_record(record, Context("damaged.json")))
