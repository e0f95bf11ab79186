"""The real export samples, damaged at random (keys dropped, values replaced, bytes cut):
importing them ends in a summary or chatdex's own error, never anything else."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatdex.errors import ChatdexError
from chatdex.importer import ImportSummary, import_exports
from tests.helpers import damage


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
    value = damage(json.loads(source.read_text()), rng, count, ["\ue200cite"])
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
