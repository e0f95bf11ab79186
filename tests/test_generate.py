"""benchmarks/generate.py: deterministic, realistic exports that chatdex imports with exactly the
message counts the generator reports."""

from __future__ import annotations

import importlib.util
import re
import sys
import zipfile
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import orjson
import pytest

from chatdex.importer import ImportSummary, import_exports
from chatdex.model import Conversation
from chatdex.search import SearchOptions, search
from tests.helpers import parse

MESSAGES = 2000
SEED = 7
FORMATS = ("zip", "shards", "json")


def _load() -> ModuleType:
    # benchmarks/ is not a package; the module is registered before it runs because
    # dataclasses look their module up in sys.modules.
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("chatdex_benchmark_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gen = _load()


def _name(fmt: str) -> str:
    return "conversations.json" if fmt == "json" else f"export-{fmt}.zip"


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """One 2,000-message export per format; shards of 1 MiB so that there are several."""
    folder = tmp_path_factory.mktemp("generated")
    made: dict[str, tuple[Path, dict[str, Any]]] = {}
    for fmt in FORMATS:
        path = folder / _name(fmt)
        made[fmt] = (path, gen.generate(path, MESSAGES, seed=SEED, fmt=fmt, shard_size_mb=1))
    return made


@pytest.fixture(scope="module")
def parsed(archives: dict[str, tuple[Path, dict[str, Any]]]) -> dict[str, list[Conversation]]:
    result: dict[str, list[Conversation]] = {}
    for fmt, (path, _) in archives.items():
        conversations, skipped = parse(path)
        assert skipped == []
        result[fmt] = conversations
    return result


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path, fmt: str) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    stats = gen.generate(first, 400, seed=3, fmt=fmt, shard_size_mb=1)
    assert gen.generate(second, 400, seed=3, fmt=fmt, shard_size_mb=1) == {**stats}
    gen.generate(other, 400, seed=4, fmt=fmt, shard_size_mb=1)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_parser_sees_exactly_the_reported_messages(
    archives: dict[str, tuple[Path, dict[str, Any]]], parsed: dict[str, list[Conversation]], fmt: str
) -> None:
    _, stats = archives[fmt]
    messages = [m for c in parsed[fmt] for m in c.messages]
    assert MESSAGES <= stats["messages"] < MESSAGES + 50
    assert len(parsed[fmt]) == stats["conversations"]
    assert len(messages) == stats["messages"]
    assert sum(not m.on_current_branch for m in messages) == stats["on_alternate_branch"]
    assert dict(Counter(m.content_type for m in messages)) == stats["by_content_type"]
    assert dict(Counter(m.visibility.value for m in messages)) == stats["by_visibility"]
    assert dict(Counter(m.role for m in messages)) == stats["by_role"]


def test_formats_hold_the_same_conversations(parsed: dict[str, list[Conversation]]) -> None:
    # Same seed, different container: the shards drop `children` and sort keys, nothing else.
    def summary(fmt: str) -> list[tuple[str, str, int]]:
        return [(c.id, c.title, len(c.messages)) for c in parsed[fmt]]

    assert summary("zip") == summary("shards") == summary("json")


@pytest.fixture(scope="module")
def zip_index(
    archives: dict[str, tuple[Path, dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, ImportSummary]:
    # Shared by the import and search tests: an import takes a second of the test budget.
    index = tmp_path_factory.mktemp("generated-index") / "index"
    return index, import_exports([archives["zip"][0]], index)


@pytest.mark.parametrize("fmt", ["shards", "json"])
def test_import_indexes_exactly_the_reported_messages(
    archives: dict[str, tuple[Path, dict[str, Any]]], index_path: Path, fmt: str
) -> None:
    path, stats = archives[fmt]
    _check_summary(import_exports([path], index_path), stats)


def test_import_of_the_zip_indexes_exactly_the_reported_messages(
    archives: dict[str, tuple[Path, dict[str, Any]]], zip_index: tuple[Path, ImportSummary]
) -> None:
    _check_summary(zip_index[1], archives["zip"][1])


def _check_summary(summary: ImportSummary, stats: dict[str, Any]) -> None:
    assert summary.warnings == []
    assert summary.conversations_new == stats["conversations"]
    assert summary.messages_indexed == stats["messages"]


def test_realistic_shape(
    archives: dict[str, tuple[Path, dict[str, Any]]], parsed: dict[str, list[Conversation]]
) -> None:
    _, stats = archives["zip"]
    messages = [m for c in parsed["zip"] for m in c.messages]
    assert 0.05 <= stats["on_alternate_branch"] / stats["messages"] <= 0.13
    assert 10 <= stats["messages"] / stats["conversations"] <= 40
    kinds = stats["by_content_type"]
    for kind in (
        "text",
        "multimodal_text",
        "thoughts",
        "reasoning_recap",
        "code",
        "execution_output",
        "tether_browsing_display",
        "sonic_webpage",
        "user_editable_context",
    ):
        assert kinds.get(kind, 0) > 0, kind
    assert 0.08 <= stats["answers_with_code"] / stats["answers"] <= 0.22
    assert stats["cjk_messages"] > 0
    # Every era is there, and timestamps rise within each conversation along its branches.
    assert len(stats["by_era"]) == 7
    years = {m.created.year for m in messages if m.created}
    assert years == {2022, 2023, 2024, 2025, 2026}
    for conversation in parsed["zip"]:
        by_id = {m.id: m for m in conversation.messages}
        for message in conversation.messages:
            parent = by_id.get(message.parent_id or "")
            if parent and parent.created and message.created:
                assert message.created > parent.created
    # User turns are short, answers long.
    user = [len(m.text.split()) for m in messages if m.role == "user" and m.content_type == "text"]
    answers = [
        len(m.text.split())
        for m in messages
        if m.role == "assistant" and m.content_type == "text" and m.visibility.value == "seen"
    ]
    assert 10 <= sorted(user)[len(user) // 2] <= 60
    assert 100 <= sorted(answers)[len(answers) // 2] <= 600
    gizmos = [c.gizmo_id for c in parsed["zip"] if c.gizmo_id]
    assert len(gizmos) == stats["gpt_conversations"] + stats["project_conversations"] > 0
    assert all(re.fullmatch(r"g-(p-[0-9a-f]{32}|[A-Za-z0-9]{9})", g) for g in gizmos)
    # The common marker word is in most messages of the kinds people search.
    seen = [m for m in messages if m.visibility.value == "seen"]
    the = sum(bool(re.search(r"\bthe\b", m.text, re.IGNORECASE)) for m in seen)
    assert the / len(seen) > 0.3


def test_citation_markers_are_written_and_stripped(archives: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    path, _ = archives["json"]
    raw = path.read_text(encoding="utf-8")
    assert "\ue200cite\ue202turn0search" in raw
    assert "【" in raw
    conversations, _ = parse(path)
    assert not any("\ue200" in m.text or "turn0search" in m.text for c in conversations for m in c.messages)


def test_shards_are_2026_style(archives: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    path, stats = archives["shards"]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        shards = [n for n in names if n.startswith("conversations-")]
        assert shards == [f"conversations-{i:03d}.json" for i in range(len(shards))]
        assert len(shards) > 1
        assert {"export_manifest.json", "user.json", "conversation_asset_file_names.json"} <= set(names)
        manifest = orjson.loads(archive.read("export_manifest.json"))
        assert manifest == [{"path": n, "size_bytes": archive.getinfo(n).file_size} for n in shards]
        assert stats["members"] == manifest
        for name in shards:
            raw = archive.read(name)
            assert b'"children"' not in raw
            assert b"\n" not in raw  # minified
            records = orjson.loads(raw)
            assert records
            # A shard is at most 1 MiB, unless one conversation alone is larger.
            assert len(raw) <= 1 << 20 or len(records) == 1
            for record in records:
                _assert_sorted(record)


def _assert_sorted(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            assert list(item) == sorted(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def test_zip_members(archives: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    path, stats = archives["zip"]
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["conversations.json", "user.json"]
        info = archive.getinfo("conversations.json")
        assert info.compress_type == zipfile.ZIP_DEFLATED
        assert info.file_size == stats["json_bytes"] + stats["conversations"] + 1  # "[", "]" and commas
        assert orjson.loads(archive.read("user.json"))["id"].startswith("user-")
    assert stats["bytes"] == path.stat().st_size


def test_markers_are_searchable(
    archives: dict[str, tuple[Path, dict[str, Any]]], zip_index: tuple[Path, ImportSummary]
) -> None:
    _, stats = archives["zip"]
    index_path = zip_index[0]
    markers = gen.MARKERS
    for key in ("rare_word", "uncommon_word", "phrase", "cjk_word", "identifier"):
        assert stats["markers"][markers[key]] >= 1, key
    for query in (
        markers["rare_word"],
        markers["uncommon_word"],
        f'"{markers["phrase"]}"',
        markers["cjk_word"],
        markers["identifier"],
        f"{markers['prefix']}*",
        *gen.PREFIX_FAMILY[:3],
    ):
        assert search(index_path, SearchOptions(query)), query
    # The rare word is in exactly the messages the stats say.
    hits = search(index_path, SearchOptions(markers["rare_word"], grouped=False, limit=100))
    assert len(hits) == stats["markers"][markers["rare_word"]]


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "small.json"
    assert gen.main(["--messages", "30", "--seed", "1", "--out", str(out), "--format", "json"]) == 0
    stats = orjson.loads(capsys.readouterr().out)
    assert stats["messages"] >= 30
    assert stats["bytes"] == out.stat().st_size
    assert orjson.loads(out.read_bytes())


def test_empty_archive_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "empty.zip"
    stats = gen.generate(path, 0, fmt="shards")
    assert (stats["messages"], stats["conversations"]) == (0, 0)
    with zipfile.ZipFile(path) as archive:
        assert archive.read("conversations-000.json") == b"[]"
