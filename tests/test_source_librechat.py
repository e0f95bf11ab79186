"""LibreChat exports of every shape (nested `messagesTree` with agents' content parts, a flat
list with branches, only the branch on screen, several joined in an array), the Chatbot UI
export LibreChat also imports, deep nesting, the real samples, the command line and random
damage."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex import sources
from chatdex.model import Conversation, Skipped
from chatdex.sources import librechat
from chatdex.sources.base import Context
from tests.helpers import by_id, damage_drawn, parse, shape, well_formed

MARATHON = "3f2a9c10-8e7d-4b6a-9c5e-1d0f2a4b6c81"
HAIKU = "7c4e1a22-5b3d-4f90-8a6e-2c1b0d9e8f72"
OSLO = "1e9d8c7b-6a5f-4e3d-9c2b-1a0f9e8d7c63"
USER = "65f1c0ffee0123456789abcd"


def a(n: int) -> str:
    return f"a1b2c3d4-0000-4000-8000-{n:012d}"


def b(n: int) -> str:
    return f"b7e6d5c4-0000-4000-8000-{n:012d}"


def one(path: Path) -> Conversation:
    conversations, skipped = parse(path)
    assert skipped == []
    [conversation] = conversations
    return conversation


def test_a_nested_export_with_agent_parts(data: Path) -> None:
    chat = one(data / "librechat" / "Paris marathon logistics.json")
    assert (chat.source, chat.id, chat.title, chat.url) == (
        "librechat",
        MARATHON,
        "Paris marathon logistics",
        None,
    )
    assert (chat.model, chat.gizmo_id, chat.account) == ("claude-sonnet-4", "agent_Xy12ab34", USER)
    assert (chat.created, chat.updated) == (
        datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2025, 3, 1, 9, 3, tzinfo=UTC),
    )
    assert shape(chat) == (8, 2, {"seen": 6, "reasoning": 1, "tool": 1})
    assert [
        (m.id, m.parent_id, m.role, m.visibility.value, m.content_type, m.on_current_branch)
        for m in chat.messages
    ] == [
        (a(1), None, "user", "seen", "text", True),
        (f"{a(2)}:0", a(1), "assistant", "reasoning", "think", False),
        (f"{a(2)}:1", f"{a(2)}:0", "tool", "tool", "tool_call", False),
        (a(2), f"{a(2)}:1", "assistant", "seen", "text", False),
        (a(3), a(2), "user", "seen", "text", False),
        (a(4), a(3), "assistant", "seen", "error", False),
        (a(5), a(3), "assistant", "seen", "text", False),
        # Regenerated at the first fork: the newest sibling there is what LibreChat opens on,
        # although a(5) on the other branch is the newest message of all.
        (a(6), a(1), "assistant", "seen", "text", True),
    ]
    texts = {m.id: m.text for m in chat.messages}
    assert texts[f"{a(2)}:0"] == "The user wants the start time; check the official site."
    assert texts[f"{a(2)}:1"] == (
        'web_search\n{"query":"Paris marathon 2025 start time"}\nMarathon de Paris: start at 8:00 on the Champs-Élysées'
    )
    assert texts[a(4)] == "An error occurred while processing the request: 529 overloaded"
    assert texts[a(6)] == "The gun fires at 8:00 sharp."
    assert chat.messages[0].attachments == ["route-map.pdf"]
    assert {m.author_name for m in chat.messages if m.role != "user"} == {"Marathon Coach"}
    assert {m.model for m in chat.messages if m.role != "user"} == {"claude-sonnet-4"}


def test_a_flat_export_with_branches_and_custom_instructions(data: Path) -> None:
    chat = one(data / "librechat" / "Weather haiku.json")
    assert (chat.id, chat.title, chat.model) == (HAIKU, "Weather haiku", "gpt-4o")
    assert shape(chat) == (6, 5, {"hidden": 1, "seen": 5})
    assert [(m.id, m.parent_id, m.role, m.on_current_branch) for m in chat.messages] == [
        (f"{HAIKU}:promptPrefix", None, "system", True),
        (b(1), None, "user", True),
        (b(2), b(1), "assistant", False),
        (b(3), b(1), "assistant", True),
        (b(4), b(3), "user", True),
        (b(5), b(4), "assistant", True),
    ]
    assert chat.messages[0].text == "Reply only with poems."
    assert (
        chat.messages[5].text
        == "Snow hushes the street\nfootprints fill before they cool\nthe lamp wears a hat"
    )


def test_only_the_branch_on_screen_with_a_2023_plugin(data: Path) -> None:
    chat = one(data / "librechat" / "Oslo weather.json")
    assert (chat.id, chat.title, chat.model) == (OSLO, "Oslo weather", "gpt-4-0613")
    assert [(m.id, m.role, m.visibility.value, m.on_current_branch, m.text) for m in chat.messages] == [
        (
            "c0ffee00-0000-4000-8000-000000000001",
            "user",
            "seen",
            True,
            "What's the weather in Oslo right now?",
        ),
        (
            "c0ffee00-0000-4000-8000-000000000002:0",
            "tool",
            "tool",
            True,
            "Weather\n\nweather\n\nOslo, Norway\n\nOslo: 14°C, light rain, wind 4 m/s",
        ),
        (
            "c0ffee00-0000-4000-8000-000000000002",
            "assistant",
            "seen",
            True,
            "It is 14°C with light rain in Oslo.",
        ),
    ]


def test_joined_exports_with_damaged_records(data: Path) -> None:
    path = data / "librechat" / "joined-exports.json"
    conversations, skipped = parse(path)
    assert [(chat.id, chat.title, chat.model, len(chat.messages)) for chat in conversations] == [
        ("5d6c7b8a-9e0f-4a1b-8c2d-3e4f5a6b7c94", "Gardening", "gemini-1.5-pro", 2)
    ]
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{path}: record 2", "a conversation record is int, not an object"),
        (f"{path}: record 3", "a conversation record has no conversationId"),
        (f"{path}: record 4", "conversation bad-messages: 'messages' is dict, not a list"),
    ]


def test_a_chatbot_ui_export(data: Path) -> None:
    path = data / "librechat" / "chatbot-ui-export.json"
    conversations, skipped = parse(path)
    chats = by_id(conversations)
    kotlin, flights = "1b6f3e2d-4c5a-4b7e-9d8c-0a1b2c3d4e55", "2c7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b66"
    assert list(chats) == [kotlin, flights]
    assert {chat.source for chat in chats.values()} == {"chatbotui"}
    assert [(chat.title, chat.model, chat.project_id, chat.created, chat.url) for chat in chats.values()] == [
        ("Kotlin coroutines", "gpt-4", "9a8b7c6d-f001", None, None),
        ("Cheap flights", "gpt-3.5-turbo", None, None, None),
    ]
    assert [(m.id, m.parent_id, m.role, m.visibility.value, m.text) for m in chats[kotlin].messages] == [
        (f"{kotlin}:prompt", None, "system", "hidden", "You are a patient Kotlin mentor."),
        (f"{kotlin}:0", f"{kotlin}:prompt", "user", "seen", "Explain structured concurrency in Kotlin"),
        (
            f"{kotlin}:1",
            f"{kotlin}:0",
            "assistant",
            "seen",
            "Child coroutines finish before their scope does, so nothing leaks.",
        ),
    ]
    assert shape(chats[flights]) == (2, 2, {"seen": 2})  # an empty prompt and an empty last message
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{path}: record 3", "a Chatbot UI conversation is str, not an object"),
        (f"{path}: record 4", "a Chatbot UI conversation has no id"),
    ]


def test_detection(data: Path) -> None:
    for name in ("Paris marathon logistics.json", "Weather haiku.json", "chatbot-ui-export.json"):
        record = json.loads((data / "librechat" / name).read_text())
        assert sources.detect(record) is librechat.FORMAT
    open_webui = {"id": "x", "chat": {"history": {"messages": {}}}}
    for record in (open_webui, {"conversationId": "x"}, {"history": [], "name": "x"}, [], None):
        assert not librechat.is_export(record)


def test_deep_nesting_is_walked_without_recursion(data: Path, tmp_path: Path) -> None:
    def nested(depth: int) -> dict[str, Any]:
        root: dict[str, Any] = {"messageId": "m0", "isCreatedByUser": True, "text": "turn 0", "children": []}
        cursor = root
        for n in range(1, depth):
            child = {"messageId": f"m{n}", "isCreatedByUser": n % 2 == 0, "text": f"turn {n}", "children": []}
            cursor["children"].append(child)
            cursor = child
        return {"conversationId": "deep", "recursive": True, "messagesTree": [root]}

    chat = librechat.parse_conversation(nested(20_000), Context("deep.json"))
    assert (len(chat.messages), chat.messages[-1].id, chat.messages[-1].parent_id) == (
        20_000,
        "m19999",
        "m19998",
    )
    assert all(m.on_current_branch for m in chat.messages)
    # Through the file reader: 4,000 turns nest 8,000 levels (json.dumps would recurse too deep).
    opened = "".join(
        f'{{"messageId": "m{n}", "isCreatedByUser": {str(n % 2 == 0).lower()}, "text": "turn {n}", "children": ['
        for n in range(4_000)
    )
    path = tmp_path / "deep.json"
    path.write_text(
        f'{{"conversationId": "deep", "recursive": true, "messagesTree": [{opened}{"]}" * 4_000}]}}'
    )
    deep = one(path)
    assert (len(deep.messages), deep.messages[-1].id, deep.messages[-1].parent_id) == (
        4_000,
        "m3999",
        "m3998",
    )


def test_the_real_samples(samples: Path) -> None:
    folder = samples / "librechat"
    export = one(folder / "danny-avila-LibreChat__librechat-export.json")
    assert (export.id, export.title, export.model) == (
        "af1ea676-f525-444f-a9ed-7c8dbf062733",
        "Conversation 1. Web Search",
        "gpt-3.5-turbo",
    )
    assert shape(export) == (6, 6, {"seen": 6})
    assert [m.role for m in export.messages] == ["user", "assistant"] * 3
    tree = one(folder / "danny-avila-LibreChat__librechat-tree.json")
    assert shape(tree) == (10, 5, {"hidden": 1, "seen": 9})
    assert tree.messages[0].text == "You are an expert software engineer."  # options.promptPrefix
    # No dates on the later messages: the last sibling listed is the one LibreChat shows.
    assert [m.id for m in tree.messages if m.on_current_branch] == [
        "4a86c40e-e627-4454-b158-889680e23ad3:promptPrefix",
        "9501f99d-9bbb-40cb-bbb2-16d79aeceb72",
        "4c395510-fdfd-4556-b034-f9440f025e91",
        "d3e12088-962e-42ce-900d-edd6816acae5",  # "lol", listed after "thanks"
        "1f062c99-ff0a-4cf4-a1cf-7150261a24e2",
    ]
    conversations, skipped = parse(folder / "danny-avila-LibreChat__chatbotui-export.json")
    assert skipped == []
    assert [(c.source, c.title, shape(c)) for c in conversations] == [
        ("chatbotui", "Hello what are you able to do?", (5, 5, {"hidden": 1, "seen": 4})),
        ("chatbotui", "Give me the code that inverts ...", (3, 3, {"hidden": 1, "seen": 2})),
    ]


def test_import_search_and_reimport(cli, data: Path, index_path: Path) -> None:
    path = data / "librechat" / "Paris marathon logistics.json"
    first = json.loads(cli("import", path, "--index", index_path, "--json").stdout)
    assert (first["conversations_new"], first["conversations_skipped"], first["messages_indexed"]) == (
        1,
        0,
        8,
    )
    found = cli("search", "gun", "--index", index_path, "--json")
    assert found.exit_code == 0
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert [
        (h["conversation_id"], h["message_id"], h["source"], h["url"], h["on_current_branch"]) for h in hits
    ] == [(MARATHON, a(6), "librechat", None, True)]
    again = json.loads(cli("import", path, "--index", index_path, "--json").stdout)
    assert (again["conversations_unchanged"], again["conversations_new"], again["conversations_updated"]) == (
        1,
        0,
        0,
    )
    chatbot = data / "librechat" / "chatbot-ui-export.json"
    assert (
        json.loads(cli("import", chatbot, "--index", index_path, "--json").stdout)["conversations_new"] == 2
    )
    kotlin = [
        json.loads(line)
        for line in cli("search", "coroutines", "--index", index_path, "--json").stdout.splitlines()
    ]
    assert [(h["conversation_id"], h["source"]) for h in kotlin] == [
        ("1b6f3e2d-4c5a-4b7e-9d8c-0a1b2c3d4e55", "chatbotui")
    ]


# Random damage: any field replaced by any JSON value, or removed.
_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64) | st.floats() | st.text(max_size=12)
_values = st.recursive(
    _scalars
    | st.sampled_from([librechat.NO_PARENT, "a1b2c3d4-0000-4000-8000-000000000001", "think", "tool_call"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


_FIXTURES = [
    json.loads((Path(__file__).parent / "data" / "librechat" / name).read_text())
    for name in (
        "Paris marathon logistics.json",
        "Weather haiku.json",
        "Oslo weather.json",
        "chatbot-ui-export.json",
    )
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_damage_yields_conversations_or_skips_only(data: st.DataObject) -> None:
    records = damage_drawn(_FIXTURES, data.draw, _values)
    results = list(librechat.read(iter(records), Context("damaged.json")))
    assert all(isinstance(item, Conversation | Skipped) for item in results)
    # Every skip is a reason the parser gave, not an error it failed to foresee.
    assert [s.reason for s in results if isinstance(s, Skipped) and s.reason.startswith("unexpected")] == []
    for item in results:
        if isinstance(item, Conversation):
            well_formed(item)
