"""Open WebUI exports: the chat-export array of every era (2024 plain trees, 2025 <details>
blocks, 2026 `output` items, raw <think> tags), the bare chat object of browser-storage days,
a database dump, damaged records, the real sample, the command line and random damage."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex import sources
from chatdex.model import Conversation, Skipped
from chatdex.sources import openwebui
from chatdex.sources.base import Context
from tests.helpers import by_id, damage_drawn, parse, shape, well_formed

EXPORT = "chat-export-1767000200000.json"
SOURDOUGH = "2f0c6a53-6d1e-4b8a-9a55-3b1f4c7e9a01"
BORROW = "5e9d7a10-3c2b-4f8e-8d1a-6b4c2e0f9a02"
LISBON = "7a3e5c21-9b0d-4e6f-a2c4-8d1f3b5e7c03"
SIEVE = "9c5b1e42-7d3a-4c8f-b6e0-2a4d6f8b0d04"
USER = "8d3b0f2e-1c4a-4e55-b1a7-0c9e2f6d4b10"


def a(n: int) -> str:
    return f"a1000000-0000-4000-8000-{n:012d}"


def b(n: int) -> str:
    return f"b2000000-0000-4000-8000-{n:012d}"


def c(n: int) -> str:
    return f"c3000000-0000-4000-8000-{n:012d}"


def d(n: int) -> str:
    return f"d4000000-0000-4000-8000-{n:012d}"


def exported(data: Path) -> dict[str, Conversation]:
    conversations, skipped = parse(data / "openwebui" / EXPORT)
    assert skipped == []
    return by_id(conversations)


def test_the_export_is_detected_and_every_chat_read(data: Path) -> None:
    chats = exported(data)
    assert list(chats) == [SOURDOUGH, BORROW, LISBON, SIEVE]
    assert {chat.source for chat in chats.values()} == {"openwebui"}
    assert [chat.title for chat in chats.values()] == [
        "Sourdough starter schedule",
        "Borrow checker questions",
        "Lisbon trip budget",
        "Prime sieve",
    ]
    assert [shape(chat) for chat in chats.values()] == [
        (6, 5, {"hidden": 1, "seen": 5}),
        (11, 10, {"seen": 7, "reasoning": 1, "tool": 3}),
        (6, 6, {"seen": 2, "reasoning": 1, "tool": 3}),
        (4, 2, {"seen": 2, "reasoning": 2}),
    ]
    assert {chat.url for chat in chats.values()} == {None}  # self-hosted: no address is known
    assert {chat.account for chat in chats.values()} == {USER}
    first = json.loads((data / "openwebui" / EXPORT).read_text())[0]
    assert sources.detect(first) is openwebui.FORMAT


def test_current_id_picks_the_branch_even_when_another_leaf_is_newer(data: Path) -> None:
    chat = exported(data)[SOURDOUGH]
    assert [(m.id, m.parent_id, m.role, m.on_current_branch) for m in chat.messages] == [
        (f"{SOURDOUGH}:system", None, "system", True),
        (a(1), None, "user", True),
        (a(2), a(1), "assistant", True),
        (a(4), a(2), "user", True),
        (a(5), a(4), "assistant", True),
        (a(3), a(1), "assistant", False),  # regenerated last, but not the answer on screen
    ]
    assert [m.position for m in chat.messages] == [0, 1, 2, 3, 4, 5]
    system = chat.messages[0]
    assert (system.text, system.visibility.value, system.content_type) == (
        "Answer as a patient baking teacher.",
        "hidden",
        "system_prompt",
    )
    assert chat.messages[1].attachments == ["starter-log.txt"]
    assert chat.messages[4].text == "Whole rye flour keeps a starter the most active."
    assert (chat.messages[4].model, chat.messages[4].author_name) == ("llama3:8b", "Llama 3 8B")
    assert chat.messages[4].created == datetime(2024, 6, 10, 6, 15, 10, tzinfo=UTC)
    assert (chat.created, chat.updated) == (
        datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC),
        datetime(2024, 6, 10, 6, 20, tzinfo=UTC),
    )
    assert (chat.model, chat.project_id) == ("llama3:8b", "b7e2c1d0-5a3f-4f1e-9c8b-2d6a4e0f1c22")


def test_details_blocks_become_reasoning_and_tool_messages(data: Path) -> None:
    chat = exported(data)[BORROW]
    assert [
        (m.id, m.role, m.visibility.value, m.content_type, m.on_current_branch) for m in chat.messages
    ] == [
        (b(1), "user", "seen", "text", True),
        (f"{b(2)}:0", "assistant", "reasoning", "reasoning", True),
        (b(2), "assistant", "seen", "text", True),
        (f"{b(2)}:2", "tool", "tool", "sources", True),
        (b(3), "user", "seen", "text", True),
        (f"{b(4)}:0", "tool", "tool", "tool_calls", True),
        (b(4), "assistant", "seen", "text", True),
        (b(5), "user", "seen", "text", True),
        (f"{b(6)}:0", "tool", "tool", "code_interpreter", True),
        (b(6), "assistant", "seen", "text", True),
        (b(7), "assistant", "seen", "error", False),
    ]
    texts = {m.id: m.text for m in chat.messages}
    # Escaped in the file ("&gt; ", "&amp;"), quoted as a blockquote: read back as written.
    assert texts[f"{b(2)}:0"] == (
        "The user mutates a vector while holding an &-reference.\nSuggest collecting indices first."
    )
    assert texts[b(2)] == "You hold a shared reference while pushing; collect the indices first, then mutate."
    assert texts[f"{b(2)}:2"] == (
        "doc.rust-lang.org\n\nA mutable borrow excludes every other borrow of the same value.\n\n"
        "https://doc.rust-lang.org/book/ch04-02-references-and-borrowing.html\n\nReferences and Borrowing"
    )
    assert texts[f"{b(4)}:0"] == "calculator\n\n2**64\n\n18446744073709551616"
    assert texts[b(4)] == "It is 18446744073709551616."
    assert texts[f"{b(6)}:0"] == "```python\nprint(len('borrow'))\n```\n\n6"
    # A <details> the model wrote itself (no type) stays in the answer.
    assert (
        texts[b(6)]
        == "The word has 6 letters.\n<details>\n<summary>Spelled out</summary>\nb-o-r-r-o-w\n</details>"
    )
    assert texts[b(7)] == "Ollama: 500, message='Internal Server Error'"
    parents = {m.id: m.parent_id for m in chat.messages}
    assert (parents[f"{b(2)}:0"], parents[b(2)], parents[f"{b(2)}:2"], parents[b(3)]) == (
        b(1),
        f"{b(2)}:0",
        b(2),
        f"{b(2)}:2",
    )
    assert (parents[b(6)], parents[b(7)]) == (f"{b(6)}:0", b(5))


def test_output_items_are_read_before_the_serialised_content(data: Path) -> None:
    chat = exported(data)[LISBON]
    assert [(m.id, m.role, m.visibility.value, m.content_type, m.text) for m in chat.messages] == [
        (c(1), "user", "seen", "text", "Plan a 3-day Lisbon budget under 400 euros."),
        (
            f"{c(2)}:0",
            "assistant",
            "reasoning",
            "reasoning",
            "Split the budget into lodging, food and transport.",
        ),
        (f"{c(2)}:1", "assistant", "tool", "function_call", "currency_convert\n\nEUR\n\nUSD"),
        (f"{c(2)}:2", "tool", "tool", "function_call_output", "432.80 USD"),
        (f"{c(2)}:3", "tool", "tool", "code_interpreter", "print(round(400 / 3, 2))\n133.33"),
        (
            c(2),
            "assistant",
            "seen",
            "text",
            "Budget about 133 euros a day: hostel in Alfama, tram 28 pass, pastéis de nata.",
        ),
    ]
    assert {m.model for m in chat.messages[1:]} == {"gpt-5"}


def test_raw_think_tags_and_a_current_id_that_points_nowhere(data: Path) -> None:
    chat = exported(data)[SIEVE]
    assert [(m.id, m.visibility.value, m.on_current_branch, m.text) for m in chat.messages] == [
        (d(1), "seen", True, "Fastest way to list primes below 1000?"),
        (f"{d(2)}:0", "reasoning", False, "Mark multiples of each prime starting from its square."),
        (d(2), "seen", False, "Use the Sieve of Eratosthenes."),
        # Cut off inside <think>: all reasoning, and as the newest leaf it is the current branch.
        (f"{d(3)}:0", "reasoning", True, "Maybe trial division is simpler"),
    ]


def test_the_bare_chat_object_of_older_exports(data: Path) -> None:
    conversations, skipped = parse(data / "openwebui" / "legacy-chat.json")
    assert skipped == []
    [chat] = conversations
    assert (chat.source, chat.id, chat.title, chat.model, chat.account) == (
        "openwebui",
        "e5000000-0000-4000-8000-000000000001",
        "Bash loop over files",
        "mistral:7b",
        "",
    )
    assert chat.created == datetime(2024, 1, 23, 8, 53, 20, tzinfo=UTC)  # milliseconds in the file
    assert [(m.role, m.visibility.value, m.text) for m in chat.messages] == [
        ("system", "hidden", "Be terse."),
        ("user", "seen", "How do I loop over every .csv file in bash?"),
        ("assistant", "seen", 'for f in *.csv; do echo "$f"; done'),
    ]
    assert shape(chat) == (3, 3, {"hidden": 1, "seen": 2})


def test_a_database_dump_with_the_chat_as_json_text(data: Path) -> None:
    conversations, skipped = parse(data / "openwebui" / "chat-table-dump.json")
    assert skipped == []
    [chat] = conversations
    assert (chat.id, chat.title, chat.model) == (
        "f6000000-0000-4000-8000-000000000001",
        "Tea temperatures",
        "gemma2:9b",
    )
    # created_at in nanoseconds, updated_at in microseconds
    assert chat.created is not None and chat.updated is not None
    assert chat.created.replace(microsecond=0) == datetime(2024, 7, 3, 9, 46, 40, tzinfo=UTC)
    assert chat.updated.replace(microsecond=0) == datetime(2024, 7, 3, 9, 47, 40, tzinfo=UTC)
    assert [m.text for m in chat.messages] == [
        "What water temperature for green tea?",
        "About 75 to 80 °C; boiling water makes it bitter.",
    ]


def test_a_chat_with_only_the_flat_message_list_is_read_as_a_thread() -> None:
    record = {
        "id": "flat",
        "title": "Flat",
        "chat": {
            "messages": [
                {"id": "q", "role": "user", "content": "Name a prime", "timestamp": 1700000000},
                {"id": "r", "role": "assistant", "content": "Seven.", "timestamp": 1700000001},
            ]
        },
    }
    assert openwebui.is_chat(record)
    [chat] = openwebui.read(iter([record]), Context("flat.json"))
    assert isinstance(chat, Conversation)
    assert [(m.id, m.parent_id, m.on_current_branch) for m in chat.messages] == [
        ("q", None, True),
        ("r", "q", True),
    ]


def test_damaged_records_are_skipped_with_their_reason(data: Path) -> None:
    path = data / "openwebui" / "malformed-export.json"
    conversations, skipped = parse(path)
    assert [(chat.id, chat.title, len(chat.messages)) for chat in conversations] == [
        ("3d8f2b60-1e4c-4a7b-9f2d-5c0e8a6b4d05", "Houseplant light", 2)
    ]
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{path}: record 2", "a chat record is str, not an object"),
        (f"{path}: record 3", "a chat record has no id"),
        (f"{path}: record 4", "chat bad-chat-list: 'chat' is list, not an object"),
        (f"{path}: record 5", "chat bad-history: 'history.messages' is list, not an object"),
    ]


def test_other_formats_are_not_taken_for_open_webui(data: Path) -> None:
    chatbot_ui = {"version": 4, "history": [{"id": "x", "name": "n", "messages": []}], "folders": []}
    librechat = {"conversationId": "c", "messages": []}
    for record in (chatbot_ui, librechat, {"history": {"messages": []}}, [], "chat"):
        assert not openwebui.is_chat(record)


def test_hostile_markup_is_read_in_linear_time() -> None:
    contents = [
        "<details " * 40_000,
        '<details type="reasoning">' * 40_000,
        "<think>" * 40_000 + "<thinking>",
        "<details " + "a" * 400_000 + ">",
        '<details type="tool_calls" ' + 'name="' * 50_000 + ">",
        '<details type="x">' + "<summary>" * 50_000,
    ]
    started = time.perf_counter()
    for content in contents:
        record = {
            "id": "h",
            "chat": {"history": {"messages": {"m": {"id": "m", "role": "assistant", "content": content}}}},
        }
        [parsed] = openwebui.read(iter([record]), Context("hostile.json"))
        assert isinstance(parsed, Conversation)
    assert time.perf_counter() - started < 5


def test_the_real_sample(samples: Path) -> None:
    conversations, skipped = parse(samples / "openwebui" / "danny-avila-LibreChat__openwebui-export.json")
    assert skipped == []
    chats = by_id(conversations)
    assert list(chats) == ["reasoning-chat", "tool-chat", "simple-chat"]
    assert [shape(chat) for chat in chats.values()] == [
        (3, 3, {"seen": 2, "reasoning": 1}),
        (4, 4, {"seen": 2, "tool": 2}),
        (2, 2, {"seen": 2}),
    ]
    assert [m.text for m in chats["reasoning-chat"].messages] == [
        "What is 15 * 17?",
        "15 * 17 = 15 * 10 + 15 * 7 = 150 + 105 = 255",
        "255",
    ]
    assert [(m.id, m.text) for m in chats["tool-chat"].messages[1:]] == [
        ("ta2:0", "get_weather\n\nParis"),
        ("ta2:1", "Paris: 18C, rain"),
        ("ta2", "The weather in Paris is 18C with rain."),
    ]
    assert [chat.model for chat in chats.values()] == ["deepseek-r1", "gpt-4o", "llama3.1:latest"]


def test_the_real_sample_without_output_items_reads_the_details_blocks(samples: Path) -> None:
    records = json.loads((samples / "openwebui" / "danny-avila-LibreChat__openwebui-export.json").read_text())
    for record in records:
        for message in record["chat"]["history"]["messages"].values():
            message.pop("output", None)
    chats = by_id(
        [c for c in openwebui.read(iter(records), Context("sample")) if isinstance(c, Conversation)]
    )
    assert [(m.id, m.visibility.value, m.text) for m in chats["reasoning-chat"].messages[1:]] == [
        ("ra2:0", "reasoning", "Let me break this down..."),
        ("ra2", "seen", "255"),
    ]
    # Before results moved into attributes, a tool block carried the result as its body.
    assert [(m.id, m.visibility.value, m.text) for m in chats["tool-chat"].messages[1:]] == [
        ("ta2:0", "tool", '"Paris: 18C, rain"'),
        ("ta2", "seen", "The weather in Paris is 18C with rain."),
    ]


def test_import_search_and_reimport(cli, data: Path, index_path: Path) -> None:
    path = data / "openwebui" / EXPORT
    first = json.loads(cli("import", path, "--index", index_path, "--json").stdout)
    assert (first["conversations_new"], first["conversations_skipped"], first["messages_indexed"]) == (
        4,
        0,
        27,
    )
    found = cli("search", "rye", "--index", index_path, "--json")
    assert found.exit_code == 0
    hits = [json.loads(line) for line in found.stdout.splitlines()]
    assert [(h["conversation_id"], h["message_id"], h["source"], h["url"]) for h in hits] == [
        (SOURDOUGH, a(5), "openwebui", None)
    ]
    again = json.loads(cli("import", path, "--index", index_path, "--json").stdout)
    assert (again["conversations_unchanged"], again["conversations_new"], again["conversations_updated"]) == (
        4,
        0,
        0,
    )


# Random damage: any field replaced by any JSON value, or removed.
_scalars = st.none() | st.booleans() | st.integers(-(2**63), 2**64) | st.floats() | st.text(max_size=12)
_values = st.recursive(
    _scalars | st.sampled_from(['<details type="reasoning">', "<think>", "</details>", "&gt; x"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


_FIXTURE = json.loads((Path(__file__).parent / "data" / "openwebui" / EXPORT).read_text())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_damage_yields_conversations_or_skips_only(data: st.DataObject) -> None:
    records = damage_drawn(_FIXTURE, data.draw, _values)
    results = list(openwebui.read(iter(records), Context("damaged.json")))
    assert all(isinstance(item, Conversation | Skipped) for item in results)
    # Every skip is a reason the parser gave, not an error it failed to foresee.
    assert [s.reason for s in results if isinstance(s, Skipped) and s.reason.startswith("unexpected")] == []
    for item in results:
        if isinstance(item, Conversation):
            well_formed(item)


def test_a_timestamp_too_large_for_a_float_is_no_time() -> None:
    chat = {
        "id": "c-big",
        "title": "Big",
        "updated_at": 10**400,
        "created_at": 1767000200,
        "chat": {
            "history": {
                "messages": {
                    "m1": {
                        "id": "m1",
                        "parentId": None,
                        "role": "user",
                        "content": "hello",
                        "timestamp": 10**400,
                    }
                },
                "currentId": "m1",
            }
        },
    }
    (parsed,) = list(openwebui.read(iter([chat]), Context("big.json")))
    assert isinstance(parsed, Conversation)
    assert (parsed.updated, parsed.messages[0].created) == (None, None)
