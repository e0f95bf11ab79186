"""Re-imports skip export records the index holds as they are, without parsing them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chatdex import documents
from chatdex.digests import RecordDigests
from chatdex.importer import import_exports
from chatdex.model import Conversation, Message
from chatdex.sources import chatgpt


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the ChatGPT records parsed from now on."""
    seen: list[str] = []
    real: Callable[..., Any] = chatgpt.parse_conversation

    def counting(record: Any, account: str) -> Any:
        seen.append(record.get("conversation_id") or record.get("id"))
        return real(record, account)

    monkeypatch.setattr(chatgpt, "parse_conversation", counting)
    return seen


def test_an_unchanged_export_is_not_parsed_again(data: Path, index_path: Path, parses: list[str]) -> None:
    import_exports([data / "chatgpt_2025.json"], index_path)
    assert len(parses) == 4
    parses.clear()
    again = import_exports([data / "chatgpt_2025.json"], index_path)
    assert (again.conversations_unchanged, again.messages_indexed, parses) == (4, 0, [])


def test_only_the_changed_record_is_parsed(
    data: Path, tmp_path: Path, index_path: Path, parses: list[str]
) -> None:
    import_exports([data / "chatgpt_2025.json"], index_path)
    records = json.loads((data / "chatgpt_2025.json").read_text())
    records[2]["title"] = "Post-ride stretching, saddle height and cleats"
    records[2]["update_time"] = records[2]["update_time"] + 60
    changed = tmp_path / "conversations.json"
    changed.write_text(json.dumps(records))
    parses.clear()
    summary = import_exports([changed], index_path)
    assert parses == [records[2].get("conversation_id") or records[2]["id"]]
    assert (summary.conversations_updated, summary.conversations_unchanged) == (1, 3)
    # The record imported before no longer stands for what the index holds.
    parses.clear()
    older = import_exports([data / "chatgpt_2025.json"], index_path)
    assert (older.conversations_older, older.conversations_unchanged, len(parses)) == (1, 3, 1)


def test_a_new_parser_version_parses_every_record_again(
    data: Path, index_path: Path, parses: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_exports([data / "chatgpt_2025.json"], index_path)
    parses.clear()
    monkeypatch.setattr(documents, "PARSER_VERSION", documents.PARSER_VERSION + 1)
    summary = import_exports([data / "chatgpt_2025.json"], index_path)
    assert (len(parses), summary.conversations_updated) == (4, 4)


def test_the_digest_covers_format_account_and_parser_version() -> None:
    record = {"id": "c1", "title": "t", "mapping": {}}
    digests = RecordDigests({}, parser_version=1)
    first = digests.of(record, "chatgpt", "account-1")
    assert first is not None and first == digests.of(dict(record), "chatgpt", "account-1")
    assert first != digests.of(record, "claude", "account-1")
    assert first != digests.of(record, "chatgpt", "account-2")
    assert first != RecordDigests({}, parser_version=2).of(record, "chatgpt", "account-1")
    assert first != digests.of({**record, "title": "u"}, "chatgpt", "account-1")
    assert digests.of({"not json": object()}, "chatgpt", "") is None


def test_the_content_hash_leaves_the_record_digest_out() -> None:
    conversation = Conversation("chatgpt", "c1", "t", [Message("m1", None, "user", "hello", "text")])
    plain = documents.content_hash(conversation)
    conversation.raw_digest = 12345
    assert documents.content_hash(conversation) == plain
    assert conversation.raw_digest == 12345
