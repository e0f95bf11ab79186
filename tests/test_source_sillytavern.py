"""SillyTavern chat files (JSON Lines, one chat per file) against self-written fixtures of
each era: 2023 (full header, "June 19, 2023 4:13pm" dates), its branch, a headerless 2023
group chat, 2025 ('unused' header, ISO dates, reasoning, swipe_info), the ChatGPT
Exporter's Tavern file (epoch seconds) and a file with damaged lines."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex.model import Conversation, Skipped, Visibility
from chatdex.sources import sillytavern
from chatdex.sources.base import Context
from tests.helpers import parse, shape, well_formed

DATA = Path(__file__).parent / "data" / "sillytavern"
SERAPHINA = "Seraphina - 2025-09-26@15h04m33s123ms.jsonl"
AQUA = "Aqua - 2023-6-19 @16h 13m 07s 512ms.jsonl"
BRANCH = "Branch #2 - 2023-6-19@16h15m40s.jsonl"
GROUP = "1692047133512.jsonl"
TAVERN = "ChatGPT-Sourdough_starter.tavern.jsonl"
NYX = "Nyx - 2024-3-3@09h00m00s.jsonl"

# file -> (conversation id, title, (messages, on current branch, per visibility))
EXPECTED = {
    SERAPHINA: (
        "Seraphina/Seraphina - 2025-09-26@15h04m33s123ms",
        "Seraphina - 2025-09-26@15h04m33s123ms",
        (14, 10, {"seen": 11, "reasoning": 2, "hidden": 1}),
    ),
    AQUA: (
        "Aqua/Aqua - 2023-6-19 @16h 13m 07s 512ms",
        "Aqua - 2023-6-19 @16h 13m 07s 512ms",
        (7, 5, {"seen": 6, "hidden": 1}),
    ),
    BRANCH: (
        "Aqua/Branch #2 - 2023-6-19@16h15m40s",
        "Aqua — Branch #2 - 2023-6-19@16h15m40s",
        (2, 2, {"seen": 2}),
    ),
    # No header and no character: a group chat, whatever its speakers.
    GROUP: ("group/1692047133512", "Alice, Bob — 1692047133512", (6, 5, {"seen": 6})),
    TAVERN: (
        "Assistant/ChatGPT-Sourdough_starter.tavern",
        "Assistant — ChatGPT-Sourdough_starter.tavern",
        (4, 4, {"seen": 4}),
    ),
    NYX: ("Nyx/Nyx - 2024-3-3@09h00m00s", "Nyx - 2024-3-3@09h00m00s", (4, 3, {"seen": 4})),
}


def _one(name: str) -> Conversation:
    conversations, _ = parse(DATA / name)
    assert len(conversations) == 1
    return conversations[0]


def _table(conversation: Conversation) -> list[tuple[str, str | None, str, str, str, bool]]:
    return [
        (m.id, m.parent_id, m.role, m.visibility.value, m.content_type, m.on_current_branch)
        for m in conversation.messages
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_is_one_conversation_with_its_id_title_branches_and_visibility(name: str) -> None:
    conversation = _one(name)
    assert (conversation.source, conversation.id, conversation.title, shape(conversation)) == (
        "sillytavern",
        *EXPECTED[name],
    )
    assert conversation.url is None  # a local app: no page to open
    assert [m.position for m in conversation.messages] == list(range(len(conversation.messages)))
    seen: set[str] = set()
    for message in conversation.messages:
        assert message.parent_id is None or message.parent_id in seen
        seen.add(message.id)


def test_2025_chat_reasoning_swipes_notes_and_narration_in_reading_order() -> None:
    conversation = _one(SERAPHINA)
    assert _table(conversation) == [
        ("0", None, "assistant", "seen", "text", True),
        ("1", "0", "user", "seen", "text", True),
        # Swipes are siblings of the shown answer, in the order they were generated.
        ("2:swipe:0:reasoning", "1", "assistant", "reasoning", "reasoning", False),
        ("2:swipe:0", "2:swipe:0:reasoning", "assistant", "seen", "text", False),
        ("2:swipe:1", "1", "assistant", "seen", "text", False),
        ("2:reasoning", "1", "assistant", "reasoning", "reasoning", True),
        ("2", "2:reasoning", "assistant", "seen", "text", True),
        # is_system on a person's message: hidden from the model, not from the person.
        ("3", "2", "user", "seen", "hidden_from_ai", True),
        ("4", "3", "system", "hidden", "comment", True),
        ("5", "4", "system", "seen", "narrator", True),
        ("6", "5", "user", "seen", "text", True),
        ("7", "6", "assistant", "seen", "text", True),
        ("8", "7", "user", "seen", "text", True),
        ("0:swipe:1", None, "assistant", "seen", "text", False),
    ]
    by_id = {m.id: m for m in conversation.messages}
    assert by_id["2"].text == (
        '"I am Seraphina. I keep the Glade, and the Glade keeps the lost ones who find it."'
    )
    assert by_id["2:reasoning"].text == (
        "The traveler asks two things; answer the first plainly and leave the thornwolves a mystery for now."
    )
    assert (
        by_id["2:swipe:0:reasoning"].text
        == "Introduce her role as guardian and reassure about the thornwolves."
    )
    assert by_id["0:swipe:1"].text.startswith("*A soft glow gathers around her hands.*")
    # display_text (what the app showed, here a translation) comes first, then what the model got.
    assert by_id["7"].text == (
        "« La carte montre l'ancien sanctuaire de la lune, au-delà de la rivière. »\n\n"
        '"The map shows the old shrine of the moon, beyond the river."'
    )
    assert by_id["6"].attachments == ["Seraphina_2025-09-26@15h10m02s.png"]
    assert {m.author_name for m in conversation.messages} == {"Seraphina", "Wanderer", "Note", "System"}


def test_2025_chat_models_and_dates() -> None:
    conversation = _one(SERAPHINA)
    by_id = {m.id: m for m in conversation.messages}
    assert [by_id[i].model for i in ("0", "2", "2:swipe:0", "2:swipe:1", "5", "1")] == [
        "gpt-4o",
        "claude-sonnet-4-5",
        "claude-sonnet-4-5",
        "gpt-4o",
        None,  # narration typed with /sys: api "manual", not a model
        None,
    ]
    assert conversation.model == "claude-sonnet-4-5"
    assert by_id["2"].created == datetime(2025, 9, 26, 13, 6, 41, 870000, UTC)
    assert by_id["2:swipe:1"].created == datetime(2025, 9, 26, 13, 6, 2, 115000, UTC)
    # No create_date in a 2025 header: the first message's date.
    assert conversation.created == datetime(2025, 9, 26, 13, 4, 33, 500000, UTC)
    assert conversation.updated == datetime(2025, 9, 26, 13, 11, 15, tzinfo=UTC)


def test_2023_chat_header_dates_notice_and_swipes_without_swipe_info() -> None:
    conversation = _one(AQUA)
    assert _table(conversation) == [
        ("0", None, "assistant", "seen", "text", True),
        ("1", "0", "user", "seen", "text", True),
        ("2", "1", "system", "hidden", "bookmark_created", True),
        ("3", "2", "assistant", "seen", "text", True),
        ("4", "3", "user", "seen", "text", True),
        ("3:swipe:0", "2", "assistant", "seen", "text", False),
        ("3:swipe:2", "2", "assistant", "seen", "text", False),
    ]
    assert conversation.created == datetime(2023, 6, 19, 16, 13, 7, 512000, UTC)
    assert [m.created for m in conversation.messages][:2] == [
        datetime(2023, 6, 19, 16, 13, tzinfo=UTC),
        datetime(2023, 6, 19, 16, 14, tzinfo=UTC),
    ]
    assert conversation.messages[2].author_name == "SillyTavern System"
    assert conversation.model == "kobold"  # only the api was recorded then


def test_a_branch_copies_its_chats_create_date_but_keeps_an_id_of_its_own() -> None:
    main, branch = _one(AQUA), _one(BRANCH)
    assert main.created == branch.created
    assert main.id != branch.id
    assert [m.text for m in branch.messages] == [m.text for m in main.messages[:2]]


def test_headerless_2023_group_chat_names_every_speaker() -> None:
    conversation = _one(GROUP)
    assert [(m.id, m.author_name, m.role, m.on_current_branch) for m in conversation.messages] == [
        ("0", "Alice", "assistant", True),
        ("1", "Bob", "assistant", True),
        ("2", "You", "user", True),
        ("3", "Alice", "assistant", True),
        ("4", "Bob", "assistant", True),
        ("3:swipe:1", "Alice", "assistant", False),
    ]
    assert conversation.created == datetime(2023, 8, 14, 21, 5, tzinfo=UTC)
    assert conversation.messages[-1].created == datetime(2023, 8, 14, 21, 9, tzinfo=UTC)


def test_without_a_valid_swipe_id_the_swipe_equal_to_mes_is_the_one_shown() -> None:
    records = [
        {"user_name": "You", "character_name": "Kai", "create_date": "2024-1-2@03h04m05s"},
        {"name": "Kai", "is_user": False, "mes": "B", "swipes": ["A", "B", "C"], "swipe_id": "1"},
    ]
    (conversation,) = sillytavern.read(iter(records), Context("Kai - 2024-1-2@03h04m05s.jsonl"))
    assert isinstance(conversation, Conversation)
    assert [(m.id, m.text, m.on_current_branch) for m in conversation.messages] == [
        ("0", "B", True),
        ("0:swipe:0", "A", False),
        ("0:swipe:2", "C", False),
    ]
    assert conversation.created == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_chatgpt_exporters_tavern_file_with_epoch_seconds() -> None:
    conversation = _one(TAVERN)
    assert [(m.role, m.author_name, m.created) for m in conversation.messages] == [
        ("user", "You", datetime(2024, 3, 26, 10, 40, 0, 512000, UTC)),
        ("assistant", "Assistant", datetime(2024, 3, 26, 10, 40, 12, 250000, UTC)),
        ("user", "You", datetime(2024, 3, 26, 10, 41, 40, tzinfo=UTC)),
        ("assistant", "Assistant", datetime(2024, 3, 26, 10, 41, 51, 750000, UTC)),
    ]
    # Its single swipe is the message itself, not an alternative.
    assert all(m.on_current_branch for m in conversation.messages)


def test_damaged_lines_are_skipped_with_their_reason_and_the_rest_is_read() -> None:
    conversations, skipped = parse(DATA / NYX)
    where = str(DATA / NYX)
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{where}: line 3", "not valid JSON (unexpected end of data)"),
        (f"{where}: line 4", "a line is list, not an object"),
        (f"{where}: line 5", "a message's 'mes' is int, not text"),
        (f"{where}: line 6", "a line is neither the header nor a message (it has no 'mes')"),
    ]
    (conversation,) = conversations
    # Numbers are SillyTavern's message numbers: the lines it could not read are gone, the
    # two it could read but chatdex could not use keep theirs.
    assert [(m.id, m.parent_id, m.text, m.on_current_branch) for m in conversation.messages] == [
        ("0", None, "The lighthouse lamp flickers above the black water.", True),
        ("3", "0", "I do. Every night since the storm.", True),  # Chub's {"message": ...}
        ("4", "3", "That's impossible.", True),
        ("3:swipe:1", "0", "Nobody. It burns by itself.", False),
    ]
    assert conversation.messages[2].created is None  # "Smarch 3, 2024": no such month


def test_the_cli_imports_a_damaged_file_counting_the_skipped_lines(cli, index_path: Path) -> None:
    result = cli("import", DATA / NYX, "--index", index_path, "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert (summary["conversations_new"], summary["conversations_skipped"], summary["messages_indexed"]) == (
        1,
        4,
        4,
    )
    assert summary["warnings"][1] == f"{DATA / NYX}: line 4 skipped: a line is list, not an object"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-09-26T13:04:33.500Z", datetime(2025, 9, 26, 13, 4, 33, 500000, UTC)),
        ("June 19, 2023 4:13pm", datetime(2023, 6, 19, 16, 13, tzinfo=UTC)),
        ("June 19, 2023 12:05am", datetime(2023, 6, 19, 0, 5, tzinfo=UTC)),
        ("December 1, 2023 12:30PM", datetime(2023, 12, 1, 12, 30, tzinfo=UTC)),
        ("Sept 3, 2024 9:04am", datetime(2024, 9, 3, 9, 4, tzinfo=UTC)),
        ("2024-07-12@01h31m37s123ms", datetime(2024, 7, 12, 1, 31, 37, 123000, UTC)),
        ("2024-7-2@01h31m37s", datetime(2024, 7, 2, 1, 31, 37, tzinfo=UTC)),
        ("2023-6-5 @14h 56m 50s 682ms", datetime(2023, 6, 5, 14, 56, 50, 682000, UTC)),
        ("2026-09-25 @23h59m28s", datetime(2026, 9, 25, 23, 59, 28, tzinfo=UTC)),
        (1683500000000, datetime(2023, 5, 7, 22, 53, 20, tzinfo=UTC)),  # epoch ms (TavernAI)
        ("1683500000000", datetime(2023, 5, 7, 22, 53, 20, tzinfo=UTC)),
        (1711449600.512, datetime(2024, 3, 26, 10, 40, 0, 512000, UTC)),  # epoch seconds
        ("Smarch 3, 2024 9:04am", None),
        ("February 30, 2024 9:04am", None),
        ("2024-13-40@01h31m37s", None),
        ("yesterday", None),
        ("", None),
        (True, None),
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        (10**400, None),
        ("9" * 400, None),
        (-5, None),
        ({"date": 1}, None),
    ],
)
def test_every_date_format_sillytavern_wrote(value: Any, expected: datetime | None) -> None:
    assert sillytavern.parse_date(value) == expected


def test_dates_do_not_depend_on_the_local_time_zone(local_zone) -> None:
    local_zone("Pacific/Auckland")
    assert sillytavern.parse_date("June 19, 2023 4:13pm") == datetime(2023, 6, 19, 16, 13, tzinfo=UTC)
    assert sillytavern.parse_date("2024-7-2@01h31m37s") == datetime(2024, 7, 2, 1, 31, 37, tzinfo=UTC)


def test_detection_picks_headers_and_headerless_messages_only() -> None:
    assert sillytavern.is_chat_line({"user_name": "You", "character_name": "Aqua", "create_date": 1})
    assert sillytavern.is_chat_line({"chat_metadata": {}, "user_name": "unused", "character_name": "unused"})
    assert sillytavern.is_chat_line({"name": "Alice", "is_user": False, "mes": "hi"})
    for other in (
        {"id": "x", "mapping": {}},
        {"uuid": "x", "chat_messages": []},
        {"mes": "no is_user"},
        {"chat_metadata": "not an object"},
        {"user_name": "only one of the two"},
        [],
        "text",
        None,
    ):
        assert not sillytavern.is_chat_line(other)


def test_a_header_alone_is_an_empty_chat_and_nothing_is_no_chat(tmp_path: Path) -> None:
    empty = tmp_path / "Mira - 2025-01-01@10h00m00s.jsonl"
    empty.write_text('{"chat_metadata":{"integrity":"x"},"user_name":"unused","character_name":"unused"}\n')
    (conversation,), skipped = parse(empty)
    assert (conversation.id, conversation.title, conversation.messages, skipped) == (
        "Mira/Mira - 2025-01-01@10h00m00s",  # the character from the file name
        "Mira - 2025-01-01@10h00m00s",
        [],
        [],
    )
    assert list(sillytavern.read(iter([]), Context("x.jsonl"))) == []


UNUSED_HEADER = {"chat_metadata": {"integrity": "x"}, "user_name": "unused", "character_name": "unused"}


def _message(name: str, text: str, is_user: bool = False) -> dict[str, Any]:
    return {"name": name, "is_user": is_user, "send_date": "2025-01-01T10:00:00Z", "mes": text}


def _id(records: list[Any], name: str) -> str:
    (conversation,) = sillytavern.read(iter(records), Context(name))
    assert isinstance(conversation, Conversation)
    return conversation.id


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # The folder the app keeps it in, on disk and inside a ZIP.
        (
            "data/default-user/chats/Mira/Mira - 2025-01-01@10h00m00s.jsonl",
            "Mira/Mira - 2025-01-01@10h00m00s",
        ),
        ("data/default-user/chats/Mira/Our story.jsonl", "Mira/Our story"),
        (r"C:\ST\data\default-user\chats\Mira\Our story.jsonl", "Mira/Our story"),
        ("backup.zip:default-user/chats/Mira/Our story.jsonl", "Mira/Our story"),
        ("old/chats/backup.zip:Our story.jsonl", "Our story"),  # a ZIP's own folders do not count
        # A single chat downloaded from the app: its file name.
        ("Mira - 2025-01-01@10h00m00s.jsonl", "Mira/Mira - 2025-01-01@10h00m00s"),
        ("Branch #3 - 2025-01-02@11h00m00s.jsonl", "Branch #3 - 2025-01-02@11h00m00s"),
        ("Our story.jsonl", "Our story"),
        ("data/default-user/group chats/2025-01-01@10h00m00s.jsonl", "group/2025-01-01@10h00m00s"),
    ],
)
def test_the_id_comes_from_where_the_chat_is_and_stays_as_it_grows(name: str, expected: str) -> None:
    you, mira = _message("You", "hello?", is_user=True), _message("Mira", "Hi!")
    grown = [UNUSED_HEADER, you, mira, _message("You", "How are you?", is_user=True), mira]
    assert [_id(grown[:n], name) for n in (1, 2, 3, len(grown))] == [expected] * 4


def test_a_group_chats_id_does_not_follow_its_speakers() -> None:
    alice, bob, you = _message("Alice", "Ahoy."), _message("Bob", "Aye."), _message("You", "Go!", True)
    for name in ("1692047133512.jsonl", "data/default-user/group chats/1692047133512.jsonl"):
        # Deleting the first speaker's message, or a reply that brings a new one in.
        ids = {_id(records, name) for records in ([alice, bob, you], [bob, you], [you], [you, bob, alice])}
        assert ids == {"group/1692047133512"}
    folder = "data/default-user/group chats/1692047133512.jsonl"
    assert {_id([UNUSED_HEADER, *records], folder) for records in ([alice, bob], [bob])} == {
        "group/1692047133512"
    }


def test_a_file_not_named_jsonl_is_still_read_as_lines(tmp_path: Path) -> None:
    copy = tmp_path / "aqua-chat.json"
    shutil.copy(DATA / AQUA, copy)
    (conversation,), _ = parse(copy)
    assert (conversation.source, conversation.id, len(conversation.messages)) == (
        "sillytavern",
        "Aqua/aqua-chat",
        7,
    )


def test_import_search_and_reimport_through_the_cli(cli, index_path: Path) -> None:
    imported = json.loads(cli("import", DATA / SERAPHINA, "--index", index_path, "--json").stdout)
    assert (imported["conversations_new"], imported["messages_indexed"]) == (1, 14)
    hits = [
        json.loads(line)
        for line in cli("search", "thornwolves", "--index", index_path, "--json").stdout.splitlines()
    ]
    assert [(h["conversation_id"], h["source"], h["url"], h["message_id"]) for h in hits] == [
        ("Seraphina/Seraphina - 2025-09-26@15h04m33s123ms", "sillytavern", None, "1")
    ]
    assert hits[0]["matches_in_conversation"] == 2  # the prompt and a swipe; reasoning needs --include-hidden
    # A /comment note is hidden: found only when asked for.
    assert cli("search", "moonstone", "--index", index_path, "--json").stdout == ""
    hidden = cli("search", "moonstone", "--index", index_path, "--include-hidden", "--json").stdout
    assert json.loads(hidden.splitlines()[0])["message_id"] == "4"
    again = json.loads(cli("import", DATA / SERAPHINA, "--index", index_path, "--json").stdout)
    assert (again["conversations_new"], again["conversations_unchanged"], again["messages_indexed"]) == (
        0,
        1,
        0,
    )


def test_a_sillytavern_data_folder_imports_every_chat_and_no_backup(tmp_path: Path) -> None:
    user = tmp_path / "default-user"
    for folder, name in (
        ("chats/Seraphina", SERAPHINA),
        ("chats/Aqua", AQUA),
        ("chats/Aqua", BRANCH),
        ("group chats", GROUP),
    ):
        (user / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / name, user / folder / name)
    (user / "backups").mkdir()
    shutil.copy(DATA / AQUA, user / "backups" / "chat_aqua_20230619-161500.jsonl")
    conversations, skipped = parse(user)
    assert (sorted(c.id for c in conversations), skipped) == (
        sorted(EXPECTED[name][0] for name in (SERAPHINA, AQUA, BRANCH, GROUP)),
        [],
    )


def _records(name: str) -> list[Any]:
    return [
        orjson.loads(line)
        for line in (DATA / name).read_bytes().splitlines()
        if line.strip().startswith(b"{")
    ]


FIXTURE_RECORDS = [_records(name) for name in (SERAPHINA, AQUA, GROUP, TAVERN)]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
KEYS = [
    "mes",
    "swipes",
    "swipe_id",
    "swipe_info",
    "extra",
    "send_date",
    "is_user",
    "is_system",
    "name",
    "user_name",
    "character_name",
    "create_date",
    "chat_metadata",
    "gen_finished",
]


@st.composite
def damaged_files(draw: st.DrawFn) -> list[Any]:
    records = [dict(r) for r in draw(st.sampled_from(FIXTURE_RECORDS))]
    for _ in range(draw(st.integers(1, 6))):
        index = draw(st.integers(0, len(records) - 1))
        action = draw(st.sampled_from(["set", "drop", "replace", "skip", "extra"]))
        record = records[index]
        if action == "set" and isinstance(record, dict):
            record[draw(st.sampled_from(KEYS))] = draw(json_values)
        elif action == "drop" and isinstance(record, dict) and record:
            record.pop(draw(st.sampled_from(sorted(record))))
        elif action == "replace":
            records[index] = draw(json_values)
        elif action == "skip":
            records.insert(index, Skipped("x.jsonl: line 1", "not valid JSON"))
        elif action == "extra" and isinstance(record, dict):
            record["extra"] = {
                draw(st.sampled_from(["reasoning", "display_text", "media", "files", "type", "model"])): draw(
                    json_values
                )
            }
    return records


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_files())
def test_damaged_records_give_only_conversations_or_skipped(records: list[Any]) -> None:
    out = list(sillytavern.read(iter(records), Context("data/chats/Aqua/Aqua - 2023.jsonl")))
    assert all(isinstance(item, Conversation | Skipped) for item in out)
    assert sum(isinstance(item, Conversation) for item in out) <= 1
    for item in out:
        if isinstance(item, Conversation):
            assert all(
                isinstance(m.visibility, Visibility) and (m.text.strip() or m.attachments)
                for m in item.messages
            )
            well_formed(item)
