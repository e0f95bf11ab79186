"""Searching while an import runs in another process: every search and every stats call
must answer (no error, no hang), see only whole conversations, and never see the index
shrink; once the import is done the counts are exact."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from chatdex.importer import import_exports
from chatdex.query import Filters
from chatdex.search import SearchOptions, search
from chatdex.stats import index_stats
from tests import synthetic

CONVERSATIONS = 1500
MESSAGES = 10
ALREADY = 100  # committed before the import starts: the first 100 conversations of the export
SEED = 11
CALL_TIMEOUT = 20.0  # seconds any one search or stats call may take before it counts as a hang
IMPORT_DEADLINE = 90.0

T = TypeVar("T")


def _chatdex(*args: object) -> list[str]:
    return [sys.executable, "-m", "chatdex.cli", *map(str, args)]


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The export, and its first ALREADY conversations alone (the same bytes per conversation:
    synthetic.export draws from one seeded generator in order)."""
    folder = tmp_path_factory.mktemp("concurrency")
    whole, start = folder / "conversations.json", folder / "start.json"
    whole.write_bytes(synthetic.export(CONVERSATIONS, MESSAGES, seed=SEED))
    start.write_bytes(synthetic.export(ALREADY, MESSAGES, seed=SEED))
    return whole, start


def _expected_in_block(committed: int, block: int) -> int:
    """Conversations are committed in file order, so with `committed` of them in the index,
    the conversations numbered block*100 .. block*100+99 present are exactly this many."""
    return min(max(committed - block * 100, 0), 100)


class _Observer:
    def __init__(self, index_path: Path, pool: ThreadPoolExecutor) -> None:
        self.index_path = index_path
        self.pool = pool
        self.seen: list[int] = []
        self.searches = 0

    def call(self, what: str, function: Callable[[], T]) -> T:
        future = self.pool.submit(function)
        try:
            return future.result(timeout=CALL_TIMEOUT)
        except TimeoutError:
            pytest.fail(f"{what} did not answer within {CALL_TIMEOUT} s while the import ran")
        except Exception as error:
            pytest.fail(f"{what} failed while the import ran: {type(error).__name__}: {error}")

    def stats(self) -> int:
        stats = self.call("index_stats", lambda: index_stats(self.index_path))
        return self.check_counts(stats, "index_stats")

    def check_counts(self, stats: dict[str, Any], where: str) -> int:
        conversations, messages = stats["conversations"], stats["messages"]
        assert messages == MESSAGES * conversations, (
            f"{where}: {conversations} conversations, {messages} messages"
        )
        assert ALREADY <= conversations <= CONVERSATIONS, f"{where}: {conversations} conversations"
        assert stats["by_role"] == {"user": messages // 2, "assistant": messages // 2}, where
        if self.seen:
            assert conversations >= self.seen[-1], f"{where}: went from {self.seen[-1]} to {conversations}"
        self.seen.append(conversations)
        return conversations

    def search(self, block: int) -> None:
        """Everything in conversations block*100 .. block*100+99: an empty query with a
        conversation-prefix filter lists every message of them; one hit per conversation."""
        prefix = f"synthetic-{block:04d}"
        sort = ("relevance", "oldest", "newest")[self.searches % 3]
        options = SearchOptions("", filters=Filters(conversation=prefix), sort=sort, limit=100)
        before = self.stats()
        hits = self.call(f"search {prefix} --sort {sort}", lambda: search(self.index_path, options))
        after = self.stats()
        self.searches += 1
        ids = [hit.conversation_id for hit in hits]
        assert len(ids) == len(set(ids)), ids
        assert all(hit.conversation_id.startswith(prefix) for hit in hits)
        # Whole conversations only: every conversation found has all its messages.
        assert {hit.matches_in_conversation for hit in hits} <= {MESSAGES}, [
            (hit.conversation_id, hit.matches_in_conversation) for hit in hits
        ]
        assert _expected_in_block(before, block) <= len(hits) <= _expected_in_block(after, block), (
            prefix,
            before,
            len(hits),
            after,
        )
        # The conversations found are the first of the block: a prefix of the file's order.
        assert sorted(ids) == [f"synthetic-{block * 100 + n:06d}" for n in range(len(hits))]


def test_searches_and_stats_during_an_import_see_only_whole_growing_content(
    export: tuple[Path, Path], index_path: Path
) -> None:
    whole, start = export
    assert import_exports([start], index_path).conversations_new == ALREADY
    process = subprocess.Popen(
        _chatdex("import", whole, "--index", index_path, "--batch-messages", "500", "--json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pool = ThreadPoolExecutor(max_workers=1)
    observer = _Observer(index_path, pool)
    subprocess_stats: list[int] = []
    started = time.monotonic()
    try:
        block = 1
        while process.poll() is None:
            assert time.monotonic() - started < IMPORT_DEADLINE, "the import did not finish"
            committed = observer.stats()
            if not subprocess_stats and ALREADY < committed < CONVERSATIONS:
                # Once, a whole second process reading mid-import: `chatdex stats --json`.
                result = subprocess.run(
                    _chatdex("stats", "--index", index_path, "--json"),
                    capture_output=True,
                    text=True,
                    timeout=CALL_TIMEOUT * 2,
                )
                assert (result.returncode, result.stderr) == (0, ""), result.stderr
                subprocess_stats.append(observer.check_counts(json.loads(result.stdout), "chatdex stats"))
            observer.search(block)
            # The block about to be committed, and now and then one long done.
            block = max(1, min(14, observer.seen[-1] // 100)) if observer.searches % 4 else 1
        out, err = process.communicate(timeout=IMPORT_DEADLINE)
        assert (process.returncode, err) == (0, ""), err
        summary = json.loads(out)
        assert (
            summary["conversations_new"],
            summary["conversations_unchanged"],
            summary["messages_indexed"],
            summary["conversations_skipped"],
        ) == (CONVERSATIONS - ALREADY, ALREADY, (CONVERSATIONS - ALREADY) * MESSAGES, 0)
        # The test saw the import in progress, not only before and after it.
        middle = sorted({n for n in observer.seen if ALREADY < n < CONVERSATIONS})
        assert len(middle) >= 3, f"only saw {sorted(set(observer.seen))}: the import was not observed running"
        assert subprocess_stats, "`chatdex stats` never ran while the import was in progress"
        assert observer.stats() == CONVERSATIONS
        stats = index_stats(index_path)
        assert (stats["conversations"], stats["messages"]) == (CONVERSATIONS, CONVERSATIONS * MESSAGES)
        observer.search(14)
        observer.search(0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        pool.shutdown(wait=False, cancel_futures=True)


def test_stats_survives_a_file_deleted_while_it_sums_the_index_size(
    export: tuple[Path, Path], index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race the test above runs into now and then, made deterministic: a concurrent
    import deletes a file (a merged-away segment, its own .tmp file) between the moment
    stats lists the folder and the moment it asks the file's size."""
    _, start = export
    import_exports([start], index_path)
    vanishing = index_path / ".tmpVanishing"
    vanishing.write_bytes(b"x" * 10)
    real_stat = Path.stat
    calls: Counter[str] = Counter()

    def stat(self: Path, *, follow_symlinks: bool = True) -> os.stat_result:
        if self.name == vanishing.name:
            calls[self.name] += 1
            if calls[self.name] > 1:  # seen when listed, gone when measured
                raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(self))
        return real_stat(self, follow_symlinks=follow_symlinks)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "stat", stat)
        try:
            stats = index_stats(index_path)
        except OSError as error:
            pytest.fail(f"index_stats failed on a file deleted under it: {type(error).__name__}: {error}")
    assert (stats["conversations"], stats["messages"]) == (ALREADY, ALREADY * MESSAGES)
