"""Importing into a real on-disk index: re-import rules, searchability of what was
indexed, errors that leave the index as it was."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import tantivy

from chatdex import store as store_module
from chatdex.errors import ExportFormatError, IndexBusy, SchemaMismatch
from chatdex.importer import import_exports
from chatdex.query import Filters
from chatdex.rebuild import reindex
from chatdex.search import SearchOptions, search
from chatdex.stats import index_stats
from chatdex.store import open_for_read, open_for_write


def message_ids(index_path: Path, query: str) -> set[str]:
    """Every message matching `query` in its text or title, hidden ones included."""
    options = SearchOptions(query, Filters(include_hidden=True), grouped=False, limit=1000)
    return {hit.message_id[:8] for hit in search(index_path, options)}


def text_ids(index_path: Path, query: str) -> set[str]:
    return message_ids(index_path, f"text:({query})" if not query.startswith('"') else f"text:{query}")


def counts(index_path: Path) -> tuple[int, int]:
    stats = index_stats(index_path)
    return stats["conversations"], stats["messages"]


def test_import_twice_equals_import_once(data: Path, index_path: Path) -> None:
    first = import_exports([data / "chatgpt_2025.json"], index_path)
    assert (first.conversations_new, first.messages_indexed) == (4, 33)
    before = index_stats(index_path)
    second = import_exports([data / "chatgpt_2025.json"], index_path)
    assert (second.conversations_new, second.conversations_unchanged, second.messages_indexed) == (0, 4, 0)
    after = index_stats(index_path)
    before.pop("index_bytes"), after.pop("index_bytes")
    assert after == before


def test_everything_in_the_fixtures(data: Path, index_path: Path) -> None:
    paths = [
        data / name
        for name in (
            "chatgpt_2023.json",
            "chatgpt_2024.json",
            "chatgpt_2025.json",
            "chatgpt_2026",
            "chat_html/chat.html",
            "chat_html_escaped/chat.html",
            "malformed.json",
        )
    ]
    summary = import_exports(paths, index_path)
    assert (summary.files, summary.conversations_new, summary.conversations_skipped) == (8, 18, 3)
    stats = index_stats(index_path)
    assert (stats["conversations"], stats["messages"]) == (18, 96)
    assert stats["by_visibility"] == {"seen": 75, "tool": 16, "reasoning": 3, "hidden": 2}
    assert stats["by_source"] == {"chatgpt": 96}
    assert len(summary.warnings) == 3


def _write(path: Path, conversations: list[dict]) -> Path:
    path.write_text(json.dumps(conversations))
    return path


def test_older_then_newer_export_updates_adds_and_keeps_deleted(
    data: Path, tmp_path: Path, index_path: Path
) -> None:
    v1 = json.loads((data / "chatgpt_2024.json").read_text())
    marathon, _browsing, cafe = v1
    grown = copy.deepcopy(marathon)
    leaf = grown["current_node"]
    grown["mapping"][leaf]["children"] = ["later-1"]
    grown["mapping"]["later-1"] = {
        "id": "later-1",
        "parent": leaf,
        "children": [],
        "message": {
            "id": "later-1",
            "author": {"role": "user"},
            "create_time": grown["update_time"] + 60,
            "content": {"content_type": "text", "parts": ["one more question about fartlek"]},
        },
    }
    grown["current_node"] = "later-1"
    grown["update_time"] += 60
    extra = copy.deepcopy(cafe)
    extra["id"] = extra["conversation_id"] = "2024aaaa-0000-4000-8000-00000000000f"
    # v2: the browsing conversation was deleted on the website, marathon grew, one is new.
    v2 = [grown, cafe, extra]

    import_exports([_write(tmp_path / "v1.json", v1)], index_path)
    assert counts(index_path) == (3, 21)
    summary = import_exports([_write(tmp_path / "v2.json", v2)], index_path)
    assert (summary.conversations_new, summary.conversations_updated, summary.conversations_unchanged) == (
        1,
        1,
        1,
    )
    assert counts(index_path) == (4, 21 + 1 + 6)
    assert message_ids(index_path, "fartlek") == {"later-1"}
    assert message_ids(index_path, '"Kp index"') == {"2024b004", "2024b005"}  # deleted upstream, kept here

    again = import_exports([tmp_path / "v1.json"], index_path)
    assert (again.conversations_older, again.conversations_unchanged, again.conversations_new) == (1, 2, 0)
    assert message_ids(index_path, "fartlek") == {"later-1"}
    assert counts(index_path) == (4, 28)


def test_the_same_conversation_twice_in_one_run_is_indexed_once(data: Path, index_path: Path) -> None:
    summary = import_exports([data / "chatgpt_2023.json", data / "chatgpt_2023.json"], index_path)
    assert (summary.conversations_new, summary.conversations_unchanged) == (2, 2)
    assert counts(index_path) == (2, 9)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zurich", {"2024c002", "2024c003"}),
        ("ZÜRICH", {"2024c002", "2024c003"}),
        ("cafe", {"2024c002", "2024c003"}),
        ("gruezi", {"2024c003"}),
        ("睡眠", {"2024c004", "2024c005"}),
        ("失眠", {"2024c004"}),
        ("compute_sleep_debt", {"2024c007"}),
        ("bedtimeReminderMinutes", {"2024c007"}),
        ("reminder", {"2024c006", "2024c007"}),
        ("bedtimereminderminutes", {"2024c007"}),
        ('"reminder minutes"', {"2024c007"}),
        ("debt", {"2024c006", "2024c007"}),
        ('"creme brulee"', {"2024c002", "2024c003"}),
        ('"brûlée crème"', set()),
    ],
)
def test_text_is_searchable_as_people_expect(
    data: Path, index_path: Path, query: str, expected: set[str]
) -> None:
    import_exports([data / "chatgpt_2024.json"], index_path)
    assert text_ids(index_path, query) == expected


def test_titles_are_searchable_on_every_message(data: Path, index_path: Path) -> None:
    import_exports([data / "chatgpt_2024.json"], index_path)
    assert message_ids(index_path, "title:zurich") == {f"2024c00{n}" for n in range(2, 8)}


def test_skipped_records_are_not_indexed(data: Path, index_path: Path) -> None:
    import_exports([data / "malformed.json"], index_path)
    assert message_ids(index_path, "zeppelin") == set()
    assert message_ids(index_path, "petal") == {"bad10002"}


def test_a_bad_file_leaves_the_existing_index_as_it_was(data: Path, tmp_path: Path, index_path: Path) -> None:
    import_exports([data / "chatgpt_2023.json"], index_path)
    truncated = tmp_path / "conversations.json"
    truncated.write_bytes((data / "chatgpt_2024.json").read_bytes()[:20000])
    with pytest.raises(ExportFormatError, match="the JSON ends too early; the file looks truncated"):
        import_exports([truncated], index_path)
    assert counts(index_path) == (2, 9)


def test_an_error_after_a_commit_keeps_whole_conversations_and_says_so(
    data: Path, tmp_path: Path, index_path: Path
) -> None:
    truncated = tmp_path / "conversations.json"
    truncated.write_bytes((data / "chatgpt_2024.json").read_bytes()[:20000])
    with pytest.raises(ExportFormatError) as caught:
        import_exports([truncated], index_path, batch_messages=1)
    assert str(caught.value).endswith(
        "(1 new or changed conversation read before the error were imported and kept; the rest were not)"
    )
    assert counts(index_path) == (1, 9)
    assert import_exports([data / "chatgpt_2024.json"], index_path).conversations_new == 2


def test_a_busy_index_is_reported_not_waited_on_forever(data: Path, index_path: Path) -> None:
    import_exports([data / "chatgpt_2023.json"], index_path)
    holder = open_for_write(index_path).writer()
    try:
        with pytest.raises(IndexBusy) as caught:
            import_exports([data / "chatgpt_2024.json"], index_path, wait_seconds=0.3)
        assert str(caught.value) == (
            f"the index at {index_path} is busy: another chatdex import is writing to it; "
            "wait for it to finish and run this again"
        )
    finally:
        holder.rollback()
        holder.wait_merging_threads()
    assert import_exports([data / "chatgpt_2024.json"], index_path).conversations_new == 3


def test_another_schema_version_is_refused_and_reindex_rebuilds(data: Path, index_path: Path) -> None:
    import_exports([data / "chatgpt_2023.json", data / "chatgpt_2026"], index_path)
    meta = store_module.read_meta(index_path)
    assert meta is not None
    meta["schema_version"] = 0
    store_module.write_meta(index_path, meta)
    with pytest.raises(SchemaMismatch) as caught:
        index_stats(index_path)
    assert str(caught.value) == (
        f"the index at {index_path} was built with schema version 0, and this chatdex uses version 2; "
        f"rebuild it with `chatdex reindex --index {index_path}` (re-imports the 2 exports recorded)"
    )
    summary = reindex(index_path)
    assert (summary.conversations_new, summary.messages_indexed) == (6, 29)
    assert counts(index_path) == (6, 29)
    assert not index_path.with_name("index.rebuild").exists()
    assert not index_path.with_name("index.old").exists()


def test_a_folder_that_is_not_an_index_is_never_written_into(tmp_path: Path, data: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "taxes.txt").write_text("keep me")
    with pytest.raises(Exception, match="is not empty and is not a chatdex index"):
        import_exports([data / "chatgpt_2023.json"], folder)
    assert sorted(p.name for p in folder.iterdir()) == ["taxes.txt"]


def test_zip_with_json_and_html_reads_only_the_json_and_records_the_account(
    data: Path, make_zip, index_path: Path
) -> None:
    archive = make_zip(
        {
            "conversations.json": (data / "chatgpt_2023.json").read_bytes(),
            "chat.html": (data / "chat_html/chat.html").read_bytes(),
            "user.json": b'{"id": "user-abc123", "email": "someone@example.com"}',
        }
    )
    summary = import_exports([archive], index_path)
    assert (summary.files, summary.conversations_new) == (1, 2)
    store = open_for_read(index_path)
    searcher = store.index.searcher()
    records = tantivy.Query.term_query(store.schema.schema, "kind", "conversation")
    accounts = {searcher.doc(address)["account"][0] for _, address in searcher.search(records, 10).hits}
    assert accounts == {"user-abc123"}


def test_split_export_in_a_zip_warns_about_a_missing_shard(data: Path, make_zip, index_path: Path) -> None:
    folder = data / "chatgpt_2026"
    manifest = json.loads((folder / "export_manifest.json").read_text())
    manifest.append({"path": "conversations-002.json", "size_bytes": 10})
    archive = make_zip(
        {
            "conversations-001.json": (folder / "conversations-001.json").read_bytes(),
            "conversations-000.json": (folder / "conversations-000.json").read_bytes(),
            "export_manifest.json": json.dumps(manifest).encode(),
        }
    )
    summary = import_exports([archive], index_path)
    assert (summary.files, summary.conversations_new, summary.messages_indexed) == (2, 4, 20)
    assert summary.warnings == [
        f"{archive}: export_manifest.json lists conversations-002.json, which is missing (incomplete download?)"
    ]
