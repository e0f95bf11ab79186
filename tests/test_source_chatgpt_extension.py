"""What the ChatGPT Exporter browser extension (pionxzh/chatgpt-exporter) writes with
"Export JSON", read by the ChatGPT parser: since 2.14 (August 2023) an array holding the
page's API response with the extension's `id` in front; from 2.2 to 2.13 that object bare;
the same on a shared link's page, whose data is the share's, not the conversation's; and
"Export All" as one array (chatgpt-export.json) or a ZIP of bare objects. Files are named
by the setting "ChatGPT-{title}", the title's spaces made underscores. The fixtures are
indented to be read; the extension writes them on one line (JSON.stringify)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex.model import Conversation, Skipped
from chatdex.sources import chatgpt
from chatdex.sources.base import Context
from tests.helpers import by_id, parse, shape, well_formed

DATA = Path(__file__).parent / "data" / "chatgpt_extension"
SOURDOUGH = "ChatGPT-Sourdough_starter_smells_like_acetone.json"  # 2025, [ {id, ...} ]
ICELAND = "ChatGPT-Packing_list_for_Iceland.json"  # 2023, bare object, no conversation_id
TRAIL = "ChatGPT-Laugavegur_in_two_days.json"  # a custom GPT
SHARE = "ChatGPT-Quick_shakshuka_for_two.json"  # exported on a /share/ page

SOURDOUGH_ID = "67f3a1b2-0c4d-8000-9e1f-5a0b1c2d3e4f"
ICELAND_ID = "4a1e2b3c-5d6f-4a7b-8c9d-0e1f2a3b4c5d"
TRAIL_ID = "68a0c0de-1111-8000-a000-2b3c4d5e6f70"
SHARE_ID = "6b2f0a77-3e1d-4c55-9a0b-7d8e9f0a1b2c"

# file -> (id, title, url, (messages, on current branch, per visibility))
EXPECTED = {
    SOURDOUGH: (
        SOURDOUGH_ID,
        "Sourdough starter smells like acetone",
        f"https://chatgpt.com/c/{SOURDOUGH_ID}",
        (9, 6, {"hidden": 1, "reasoning": 1, "seen": 7}),
    ),
    ICELAND: (
        ICELAND_ID,
        "Packing list for Iceland",
        f"https://chatgpt.com/c/{ICELAND_ID}",
        (5, 4, {"seen": 5}),
    ),
    TRAIL: (
        TRAIL_ID,
        "Laugavegur in two days",
        f"https://chatgpt.com/g/g-7XkQm2TrailPlnr/c/{TRAIL_ID}",
        (2, 2, {"seen": 2}),
    ),
}


def _load(name: str) -> Any:
    return orjson.loads((DATA / name).read_bytes())


def _object(name: str) -> dict[str, Any]:
    value = _load(name)
    return value[0] if isinstance(value, list) else value


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_json_is_one_chatgpt_conversation(name: str) -> None:
    (conversation,), skipped = parse(DATA / name)
    assert skipped == []
    assert (
        conversation.source,
        conversation.id,
        conversation.title,
        conversation.url,
        shape(conversation),
    ) == ("chatgpt", *EXPECTED[name])


def test_the_2025_export_keeps_both_branches_and_follows_current_node() -> None:
    (conversation,), _ = parse(DATA / SOURDOUGH)
    off = [m.id[:13] for m in conversation.messages if not m.on_current_branch]
    # The first room-temperature question (then edited) and the regenerated first answer.
    assert off == ["67f3a1b2-a007", "67f3a1b2-a008", "67f3a1b2-a006"]
    assert [(m.id[:13], m.role, m.visibility.value, m.content_type) for m in conversation.messages][:4] == [
        ("67f3a1b2-a002", "user", "hidden", "user_editable_context"),
        ("67f3a1b2-a003", "user", "seen", "text"),
        ("67f3a1b2-a004", "assistant", "reasoning", "thoughts"),
        ("67f3a1b2-a005", "assistant", "seen", "text"),
    ]
    assert conversation.messages[-2].text.startswith("Once a week in the fridge")
    assert conversation.model == "o3"


def test_the_2023_bare_object_without_conversation_id_uses_the_extensions_id() -> None:
    record = _object(ICELAND)
    assert "conversation_id" not in record and next(iter(record)) == "id"
    (conversation,), _ = parse(DATA / ICELAND)
    assert conversation.id == ICELAND_ID
    # The regenerated answer is the newest leaf, but current_node keeps the first one shown.
    assert [m.id[:13] for m in conversation.messages if not m.on_current_branch] == ["4a1e2b3c-b004"]
    assert conversation.model == "text-davinci-002-render-sha"


def test_export_all_as_official_json_is_one_array_of_the_same_objects(tmp_path: Path) -> None:
    bundle = tmp_path / "chatgpt-export.json"
    bundle.write_bytes(orjson.dumps([_object(SOURDOUGH), _object(ICELAND), _object(TRAIL)]))
    conversations, skipped = parse(bundle)
    assert skipped == []
    assert {c.id: shape(c) for c in conversations} == {e[0]: e[3] for e in EXPECTED.values()}


def test_a_record_without_any_id_is_skipped_and_counted(tmp_path: Path, cli, index_path: Path) -> None:
    broken = _object(ICELAND)
    del broken["id"]
    bundle = tmp_path / "chatgpt-export.json"
    bundle.write_bytes(orjson.dumps([_object(SOURDOUGH), broken]))
    conversations, skipped = parse(bundle)
    assert [c.id for c in conversations] == [SOURDOUGH_ID]
    assert [(s.where, s.reason) for s in skipped] == [
        (f"{bundle}: record 2", "a conversation record has no id")
    ]
    summary = json.loads(cli("import", bundle, "--index", index_path, "--json").stdout)
    assert (summary["conversations_new"], summary["conversations_skipped"]) == (1, 1)


def test_a_shared_links_export_reads_with_the_share_id() -> None:
    record = _object(SHARE)
    assert record["id"] == record["conversation_id"] == SHARE_ID
    (conversation,), _ = parse(DATA / SHARE)
    assert (conversation.id, conversation.title, shape(conversation)) == (
        SHARE_ID,
        "Quick shakshuka for two",
        (2, 2, {"seen": 2}),
    )


def test_a_shared_links_export_links_to_the_shared_page() -> None:
    (conversation,), _ = parse(DATA / SHARE)
    assert conversation.url == f"https://chatgpt.com/share/{SHARE_ID}"


def test_export_all_as_a_zip_of_one_file_per_conversation(make_zip) -> None:
    archive = make_zip(
        {name: orjson.dumps(_object(name)) for name in EXPECTED},
        name="chatgpt-export-json.zip",
    )
    conversations, _ = parse(archive)
    assert sorted(c.id for c in conversations) == sorted(e[0] for e in EXPECTED.values())


def test_import_search_and_reimport_through_the_cli(cli, index_path: Path) -> None:
    imported = json.loads(cli("import", DATA / SOURDOUGH, "--index", index_path, "--json").stdout)
    assert (imported["conversations_new"], imported["messages_indexed"]) == (1, 9)
    hits = [
        json.loads(line)
        for line in cli("search", "acetone", "--index", index_path, "--json").stdout.splitlines()
    ]
    assert [(h["conversation_id"], h["source"], h["url"]) for h in hits] == [
        (SOURDOUGH_ID, "chatgpt", f"https://chatgpt.com/c/{SOURDOUGH_ID}")
    ]
    again = json.loads(cli("import", DATA / SOURDOUGH, "--index", index_path, "--json").stdout)
    assert (again["conversations_new"], again["conversations_unchanged"]) == (0, 1)


def test_every_fixture_is_detected_as_chatgpt() -> None:
    for name in (*EXPECTED, SHARE):
        assert {c.source for c in by_id(parse(DATA / name)[0]).values()} == {"chatgpt"}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
WRAPPER_KEYS = ["id", "conversation_id", "mapping", "current_node", "title", "create_time", "gizmo_id"]


@st.composite
def damaged_records(draw: st.DrawFn) -> dict[str, Any]:
    record = dict(_object(draw(st.sampled_from([SOURDOUGH, ICELAND, TRAIL, SHARE]))))
    for _ in range(draw(st.integers(1, 4))):
        key = draw(st.sampled_from(WRAPPER_KEYS))
        if draw(st.booleans()):
            record[key] = draw(json_values)
        else:
            record.pop(key, None)
    mapping = record.get("mapping")
    if isinstance(mapping, dict) and mapping and draw(st.booleans()):
        node = draw(st.sampled_from(sorted(mapping)))
        mapping = dict(mapping)
        mapping[node] = draw(json_values)
        record["mapping"] = mapping
    return record


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(damaged_records(), min_size=1, max_size=3))
def test_damaged_records_give_only_conversations_or_skipped(records: list[dict[str, Any]]) -> None:
    out = list(chatgpt.read(iter(records), Context("ChatGPT-damaged.json")))
    assert len(out) == len(records)
    assert all(isinstance(item, Conversation | Skipped) for item in out)
    for item in out:
        if isinstance(item, Conversation):
            well_formed(item)
