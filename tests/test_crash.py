"""A real process killed with SIGKILL mid-import, and imports racing each other: the index
must open afterwards, hold only whole conversations, and a rerun must complete it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import tantivy

from chatdex.importer import import_exports
from chatdex.store import open_for_read, open_for_write
from tests import synthetic

CONVERSATIONS = 1500
MESSAGES = 10


def _chatdex(*args: str) -> list[str]:
    return [sys.executable, "-m", "chatdex.cli", *args]


def _whole_conversations(index_path: Path) -> int:
    """Every conversation record has exactly its messages, and no message is orphaned."""
    store = open_for_read(index_path)
    searcher = store.index.searcher()
    docs = [searcher.doc(address) for _, address in searcher.search(tantivy.Query.all_query(), 100_000).hits]
    per_key = Counter(doc["conv_key"][0] for doc in docs if doc["kind"] == ["message"])
    records = {doc["conv_key"][0]: doc["message_count"][0] for doc in docs if doc["kind"] == ["conversation"]}
    assert per_key == Counter({key: count for key, count in records.items() if count})
    # A fresh writer can still be taken: no stale lock survives the kill.
    writer = open_for_write(index_path).writer()
    writer.rollback()
    writer.wait_merging_threads()
    return len(records)


@pytest.fixture(scope="module")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "conversations.json"
    path.write_bytes(synthetic.export(CONVERSATIONS, MESSAGES, seed=7))
    return path


@pytest.mark.parametrize("trial", range(4))
def test_sigkill_mid_import_leaves_whole_conversations_and_a_rerun_completes(
    big_export: Path, tmp_path: Path, trial: int
) -> None:
    index_path = tmp_path / "index"
    rng = random.Random(trial)
    process = subprocess.Popen(
        _chatdex("import", str(big_export), "--index", str(index_path), "--quiet", "--batch-messages", "700"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(rng.uniform(0.6, 2.5))
    process.send_signal(signal.SIGKILL)
    process.wait()
    if (index_path / "meta.json").exists():
        kept = _whole_conversations(index_path)
        assert 0 <= kept <= CONVERSATIONS
    summary = import_exports([big_export], index_path)
    assert summary.conversations_new + summary.conversations_unchanged == CONVERSATIONS
    assert _whole_conversations(index_path) == CONVERSATIONS
    files = os.listdir(index_path)
    assert len(files) < 200, f"{len(files)} files left behind"


def test_a_second_import_is_told_the_index_is_busy_then_waits_when_asked(tmp_path: Path, data: Path) -> None:
    index_path = tmp_path / "index"
    import_exports([data / "chatgpt_2023.json"], index_path)
    holder = open_for_write(index_path).writer()
    busy = subprocess.run(
        _chatdex("import", str(data / "chatgpt_2024.json"), "--index", str(index_path)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert busy.returncode == 1
    assert busy.stderr == (
        f"error: the index at {index_path} is busy: another chatdex import is writing to it; "
        "wait for it to finish and run this again\n"
    )
    waiting = subprocess.Popen(
        _chatdex(
            "import", str(data / "chatgpt_2024.json"), "--index", str(index_path), "--wait", "30", "--json"
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    holder.rollback()
    holder.wait_merging_threads()
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == 0, err
    assert '"conversations_new": 3' in out


def test_two_imports_racing_lose_nothing(tmp_path: Path, data: Path) -> None:
    index_path = tmp_path / "index"
    import_exports([data / "chatgpt_2023.json"], index_path)
    runs = [
        subprocess.Popen(
            _chatdex("import", str(data / name), "--index", str(index_path), "--wait", "60", "--quiet"),
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("chatgpt_2024.json", "chatgpt_2025.json")
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert _whole_conversations(index_path) == 2 + 3 + 4
