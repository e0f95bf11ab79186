"""Every input that once crashed chatdex, kept under tests/data/regressions/, still imports
or searches with a result a person can use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatdex.errors import InvalidQuery
from chatdex.importer import import_exports
from chatdex.search import SearchOptions, search
from tests.helpers import parse

REGRESSIONS = Path(__file__).parent / "data" / "regressions"

# file -> (conversations imported, messages indexed, skipped)
EXPECTED = {
    "parent-cycle.json": (1, 2, 0),
    "lone-citation-marker.json": (1, 1, 0),
    "attachments-number.json": (1, 1, 0),
    "part-content-type-list.json": (1, 0, 0),
    "date-out-of-range.json": (1, 0, 0),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_regression_input_imports(name: str, index_path: Path) -> None:
    summary = import_exports([REGRESSIONS / name], index_path)
    assert (summary.conversations_new, summary.messages_indexed, summary.conversations_skipped) == EXPECTED[
        name
    ]


def test_the_cycle_puts_parents_first_and_the_markers_are_gone() -> None:
    (cycle,), _ = parse(REGRESSIONS / "parent-cycle.json")
    assert [(m.id, m.parent_id) for m in cycle.messages] == [("a", None), ("b", "a")]
    (marked,), _ = parse(REGRESSIONS / "lone-citation-marker.json")
    assert marked.messages[0].text == "cited text"


def test_every_hostile_query_gives_hits_or_invalid_query(data: Path, index_path: Path) -> None:
    import_exports([data / "chatgpt_2024.json"], index_path)
    queries = [
        json.loads(line) for line in (REGRESSIONS / "hostile-queries.txt").read_text().splitlines() if line
    ]
    assert len(queries) == 7
    outcomes = []
    for query in queries:
        try:
            outcomes.append(len(search(index_path, SearchOptions(query))))
        except InvalidQuery:
            outcomes.append("invalid")
    # zurich^2, zurich^0 and the slop and nesting cases find the Zürich conversation; a lone
    # surrogate leaves nothing to search; a slop too large for tantivy is a syntax error.
    assert outcomes == [1, 1, "invalid", "invalid", 1, 1, 3]
