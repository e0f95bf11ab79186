"""The real export samples, damaged at random (keys dropped, values replaced, bytes cut):
importing them ends in a summary or chatdex's own error, never anything else."""

from __future__ import annotations

import copy
import json
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex.errors import ChatdexError
from chatdex.importer import ImportSummary, import_exports

REPLACEMENTS: list[Any] = [None, 0, -1, 1e300, "", "x", [], {}, [None], {"a": [1]}, True, "\ue200cite"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*path, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*path, index)))
    return found


def _mutate(value: Any, rng: random.Random, count: int) -> Any:
    for _ in range(count):
        paths = [p for p in _paths(value) if p]
        if not paths:
            break
        *parent_path, last = rng.choice(paths)
        parent = value
        for step in parent_path:
            parent = parent[step]
        if isinstance(parent, dict) and rng.random() < 0.4:
            del parent[last]
        else:
            parent[last] = copy.deepcopy(rng.choice(REPLACEMENTS))  # never one object in two places
    return value


@pytest.fixture
def sample_files(samples: Path) -> list[Path]:
    chatgpt = samples / "chatgpt"
    return [
        *sorted(chatgpt.glob("danny-avila-*.json")),
        chatgpt / "realazthat-chatgpt2graph__conversations.json",
        *sorted((samples / "claude").glob("*.json")),
        *sorted((samples / "openwebui").glob("*.json")),
        *sorted((samples / "librechat").glob("*.json")),
    ]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(1, 12), cut=st.one_of(st.none(), st.floats(0, 1)))
def test_damaged_real_samples_import_or_fail_cleanly(
    sample_files: list[Path], seed: int, count: int, cut: float | None
) -> None:
    rng = random.Random(seed)
    source = rng.choice(sample_files)
    value = _mutate(json.loads(source.read_text()), rng, count)
    blob = json.dumps(value).encode()
    if cut is not None:
        blob = blob[: int(len(blob) * cut)]
    with tempfile.TemporaryDirectory() as temp:
        export = Path(temp) / "conversations.json"
        export.write_bytes(blob)
        try:
            outcome: object = import_exports([export], Path(temp) / "index")
        except ChatdexError as error:
            outcome = error
        assert isinstance(outcome, ImportSummary | ChatdexError)
