"""Model-based tests. (a) Importing snapshots of one account in any order, any number of
times, leaves the index holding, for every conversation ever imported, the newest version
imported (a plain Python model says which), and every summary counts what the model
predicts. (b) Any query string with any options either returns hits or raises
InvalidQuery: nothing else, and never a panic."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import tantivy
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from typer.testing import Result

from chatdex import stored
from chatdex.errors import InvalidQuery
from chatdex.importer import ImportSummary, import_exports
from chatdex.query import Filters
from chatdex.search import Hit, SearchOptions, search
from chatdex.stats import index_stats
from chatdex.store import open_for_read
from tests import synthetic

# --- (a) re-importing snapshots, against a model ------------------------------------------


@dataclass(frozen=True)
class Version:
    """One version of one conversation as an export holds it."""

    conversation_id: str
    updated: datetime
    messages: dict[str, str]  # message id -> text
    record: bytes  # the conversation's JSON, as it goes into an export

    @classmethod
    def of(cls, number: int, messages: int, updated_offset: float = 0.0, extra_word: str = "") -> Version:
        raw = synthetic.conversation(number, messages, updated_offset=updated_offset, extra_word=extra_word)
        texts = {
            node["message"]["id"]: node["message"]["content"]["parts"][0]
            for node in raw["mapping"].values()
            if node["message"] is not None
        }
        return cls(raw["id"], datetime.fromtimestamp(raw["update_time"], UTC), texts, orjson.dumps(raw))


# Every version of a conversation has its own update time (later = newer content).
C0 = Version.of(0, 10)
C0_SHRUNK = Version.of(0, 6, updated_offset=50)  # an edit sent the current branch back: fewer messages
C1 = Version.of(1, 10)
C1_GROWN = Version.of(1, 14)
C2 = Version.of(2, 10)  # deleted upstream after v1: absent from v2 on
C3 = Version.of(3, 10)
C3_GROWN = Version.of(3, 13)
C4 = Version.of(4, 10)
C4_EDITED = Version.of(4, 10, updated_offset=100, extra_word="zeppelin")  # same message ids, new text
C5 = Version.of(5, 10)
C6 = Version.of(6, 8)

SNAPSHOTS: dict[str, list[Version]] = {
    "v1": [C0, C1, C2, C3, C4],
    "v2": [C0, C1_GROWN, C3, C4, C5],
    "v3": [C0, C1_GROWN, C3_GROWN, C4, C5, C6],
    "v4": [C0_SHRUNK, C1_GROWN, C3_GROWN, C4_EDITED, C5, C6],
}


def _export(versions: list[Version]) -> bytes:
    return b"[" + b",".join(version.record for version in versions) + b"]"


def _indexed(index_path: Path) -> tuple[dict[str, str], dict[str, int]]:
    """From the index itself: message id -> text of every message document, and
    conversation id -> message count of every conversation record."""
    store = open_for_read(index_path)
    schema = store.schema.schema
    searcher = store.index.searcher()
    texts: dict[str, str] = {}
    records: dict[str, int] = {}
    for kind in (stored.MESSAGE, stored.CONVERSATION):
        query = tantivy.Query.term_query(schema, "kind", kind)
        for _, address in searcher.search(query, 10_000).hits:
            doc = searcher.doc(address)
            if kind == stored.MESSAGE:
                message_id = doc["message_id"][0]
                assert message_id not in texts, f"{message_id} indexed twice"
                texts[message_id] = doc["text"][0]
            else:
                conversation_id = doc["conversation_id"][0]
                assert conversation_id not in records, f"{conversation_id} has two records"
                records[conversation_id] = doc["message_count"][0]
    return texts, records


class ImportModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._folder = tempfile.TemporaryDirectory(prefix="chatdex-model-")
        self.root = Path(self._folder.name)
        self.index_path = self.root / "index"
        for name, versions in SNAPSHOTS.items():
            (self.root / f"{name}.json").write_bytes(_export(versions))
        self.model: dict[str, Version] = {}
        self.imports = 0

    def teardown(self) -> None:
        self._folder.cleanup()

    def _expect(self, names: list[str]) -> ImportSummary:
        """What importing these snapshots in one run should report, applied to the model."""
        expected = ImportSummary(files=len(names))
        for name in names:
            for version in SNAPSHOTS[name]:
                known = self.model.get(version.conversation_id)
                if known is None:
                    expected.conversations_new += 1
                elif known == version:
                    expected.conversations_unchanged += 1
                    continue
                elif version.updated < known.updated:
                    expected.conversations_older += 1
                    continue
                else:
                    expected.conversations_updated += 1
                expected.messages_indexed += len(version.messages)
                self.model[version.conversation_id] = version
        return expected

    def _import(self, names: list[str]) -> None:
        expected = self._expect(names)
        summary = import_exports([self.root / f"{name}.json" for name in names], self.index_path)
        self.imports += 1
        got = (
            summary.files,
            summary.conversations_new,
            summary.conversations_updated,
            summary.conversations_unchanged,
            summary.conversations_older,
            summary.conversations_skipped,
            summary.messages_indexed,
            summary.warnings,
        )
        assert got == (
            expected.files,
            expected.conversations_new,
            expected.conversations_updated,
            expected.conversations_unchanged,
            expected.conversations_older,
            0,
            expected.messages_indexed,
            [],
        ), f"importing {names}"

    @rule(name=st.sampled_from(sorted(SNAPSHOTS)))
    def import_snapshot(self, name: str) -> None:
        self._import([name])

    @rule(name=st.sampled_from(sorted(SNAPSHOTS)))
    def import_twice(self, name: str) -> None:
        self._import([name])
        self._import([name])

    @rule(first=st.sampled_from(sorted(SNAPSHOTS)), second=st.sampled_from(sorted(SNAPSHOTS)))
    def import_two_in_one_run(self, first: str, second: str) -> None:
        self._import([first, second])

    @invariant()
    def index_matches_the_model(self) -> None:
        if not self.imports:
            assert not self.index_path.exists()
            return
        texts, records = _indexed(self.index_path)
        assert texts == {
            message_id: text
            for version in self.model.values()
            for message_id, text in version.messages.items()
        }
        # Conversations once imported stay, whatever later snapshots leave out.
        assert records == {cid: len(version.messages) for cid, version in self.model.items()}
        stats = index_stats(self.index_path)
        assert (stats["conversations"], stats["messages"]) == (len(records), len(texts))
        assert stats["by_role"] == {
            role: count
            for role, count in (
                ("user", sum((int(m[-4:]) % 2 == 0) for m in texts)),
                ("assistant", sum((int(m[-4:]) % 2 == 1) for m in texts)),
            )
            if count
        }


ImportModel.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestImportModel = ImportModel.TestCase


def test_the_snapshots_differ_as_the_model_needs() -> None:
    """The versions the machine relies on: each newer one has a later update time, and the
    edit keeps the message ids while changing a text."""
    for older, newer in [(C0, C0_SHRUNK), (C1, C1_GROWN), (C3, C3_GROWN), (C4, C4_EDITED)]:
        assert older.conversation_id == newer.conversation_id and older.updated < newer.updated
    assert set(C4.messages) == set(C4_EDITED.messages) and C4.messages != C4_EDITED.messages
    assert set(C0_SHRUNK.messages) < set(C0.messages)
    assert "synthetic-000002" not in {v.conversation_id for v in SNAPSHOTS["v2"] + SNAPSHOTS["v4"]}


# --- (b) query fuzzing ---------------------------------------------------------------------

FIXTURES = ("chatgpt_2023.json", "chatgpt_2024.json", "chatgpt_2025.json", "chatgpt_2026")


@pytest.fixture(scope="module")
def fuzz_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "index"
    data = Path(__file__).parent / "data"
    summary = import_exports([data / name for name in FIXTURES], path)
    assert (summary.conversations_new, summary.messages_indexed) == (13, 83)
    return path


# fmt: off
PIECES = [
    '"', "'", "(", ")", "[", "]", "{", "}", ":", "*", "-", "+", "^", "~", "!", "\\", "/", " ", "  ",
    "\t", "\n", "\r", "\x00", "\x1b", "\x7f", "\u200b", "\u3000", "\ufeff", "\udcff",
    "OR", "AND", "NOT", "TO", "IN", "or", "title:", "text:", "role:", "model:", "source:", "visibility:",
    "type:", "conversation:", "after:", "before:", "since:", "until:", "foo:", "a:b:", "^2", "^0", "~1",
    "~99999999999", "2024-03", "helm", "rollback", "zürich", "Zurich", "crème", "睡眠", "提高", "한국어",
    "getUserById", "compute_sleep_debt", "kube*", "*", "__", "0", "1e308", "nan", "inf", "🙂",
]
# fmt: on
pieces = st.sampled_from(PIECES) | st.text(max_size=6)
queries = st.one_of(
    st.lists(pieces, max_size=25).map("".join),
    st.text(max_size=80),
    # Long and deeply repeated: up to 3000 characters.
    st.tuples(st.lists(pieces, min_size=1, max_size=6).map("".join), st.integers(1, 1500)).map(
        lambda pair: (pair[0] * pair[1])[:3000]
    ),
)
# fmt: off
DATES = [
    None, "2024", "2024-03", "2024-03-15", "2024-3-5", "7d", "2w", "3m", "1y", "0d", "99999d", "99999y",
    "0000", "9999", "9999-12", "9999-12-31", "10000", "2024-00", "2024-13", "2024-02-30", "2023-02-29",
    "1969-12-31", "0001-01-01", "soon", "", " ", "-1d", "1e3d", "٢٠٢٤", "2024-03-15T10:00", "\x00",
]
# fmt: on
SORTS = ["relevance", "newest", "oldest", "best", "", "NEWEST"]
ROLES = [[], ["user"], ["assistant", "tool"], ["USER"], ["robot"], [""], ["\x00"]]
TEXTS = [None, "", "gpt-4o", "chatgpt", "2024", "2024aaaa", "\x00", "*", "\udcff"]
small_or_any = st.integers(-5, 20) | st.integers(-5, 2000)


@st.composite
def search_options(draw: Callable[..., Any]) -> SearchOptions:
    filters = Filters(
        roles=draw(st.sampled_from(ROLES)),
        model=draw(st.sampled_from(TEXTS)),
        source=draw(st.sampled_from(TEXTS)),
        conversation=draw(st.sampled_from(TEXTS)),
        since=draw(st.sampled_from(DATES)),
        until=draw(st.sampled_from(DATES)),
        current_branch=draw(st.booleans()),
        include_hidden=draw(st.booleans()),
    )
    return SearchOptions(
        query=draw(queries),
        filters=filters,
        fuzzy=draw(st.booleans()),
        sort=draw(st.sampled_from(SORTS)),
        grouped=draw(st.booleans()),
        limit=draw(small_or_any),
        offset=draw(st.integers(-5, 20) | st.integers(-5, 10**9)),
        context=draw(st.integers(-1, 60)),
    )


def _outcome(index: Path, options: SearchOptions) -> list[Hit] | InvalidQuery:
    try:
        return search(index, options)
    except InvalidQuery as error:
        return error
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a tantivy panic is a BaseException (pyo3 PanicException)
        pytest.fail(f"search({options!r}) raised {type(error).__name__}: {error}")


def _check(options: SearchOptions, outcome: list[Hit] | InvalidQuery) -> None:
    if isinstance(outcome, InvalidQuery):
        message = str(outcome)
        assert message and "\n" not in message, repr(message)
        return
    assert 1 <= options.limit <= 1000 and 0 <= options.offset <= 10_000 and 0 <= options.context <= 50
    assert options.sort in ("relevance", "newest", "oldest")
    assert len(outcome) <= options.limit
    if options.grouped:
        ids = [hit.conversation_id for hit in outcome]
        assert len(ids) == len(set(ids)), ids
    for hit in outcome:
        assert len(hit.before) <= max(options.context, 1) and len(hit.after) <= options.context
        assert (hit.score is None) == (options.sort != "relevance")
        assert hit.matches_in_conversation >= 1


def _options(query: str, **overrides: Any) -> SearchOptions:
    return SearchOptions(query=query, **overrides)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(options=search_options())
# Found by this test (boosts: tantivy's AST names the boosted query 'underlying', not 'query').
@example(options=_options("zurich^2"))
@example(options=_options("zurich^0"))
# A lone surrogate: what Python makes of invalid UTF-8 in argv (`chatdex search $'\xff'`).
@example(options=_options("\udcff"))
@example(options=_options("sourdough", filters=Filters(model="\udcff")))
@example(options=_options('"a b"~4294967296'))
@example(options=_options('"zurich cafe"~4294967295'))
@example(options=_options("(" * 32 + "zurich" + ")" * 32))
@example(options=_options("-" * 3000))
@example(options=_options("a OR " * 400 + "a"))
@example(options=_options("zurich", filters=Filters(since="99999y", until="9999-12")))
@example(options=_options("zurich", filters=Filters(since="٢٠٢٤")))
@example(options=_options("*", limit=1000, offset=10_000, context=50, grouped=False))
def test_any_query_returns_hits_or_invalid_query(fuzz_index: Path, options: SearchOptions) -> None:
    _check(options, _outcome(fuzz_index, options))


NASTY = [
    "zurich^2",
    "\udcff",
    '"""',
    "(" * 33 + "a",
    "a" * 2001,
    "(" * 32 + "a" + ")" * 32,
    "\x00\x1b\x7f",
    "title:",
    "conversation:",
    "after:99999y zurich",
    '"a b"~4294967296',
    "[a TO b]",
    "-",
    "*",
    "睡眠* OR 한국어",
]


@pytest.mark.parametrize("query", NASTY, ids=[repr(q[:20]) for q in NASTY])
def test_nasty_queries_through_the_cli(cli: Callable[..., Result], fuzz_index: Path, query: str) -> None:
    result = cli("search", query, "--index", fuzz_index)
    assert result.exit_code in (0, 1), result.exit_code
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) <= 1, result.stderr
    if result.exit_code == 1:
        assert result.stderr.startswith("error: ") and result.stdout == "", result.stderr


@pytest.mark.parametrize(
    "argument", [b"\xff", b"zurich\xc3", b"\xed\xa0\x80"], ids=["ff", "cut-utf8", "cesu"]
)
def test_invalid_utf8_in_argv_is_one_error_line_or_no_hits(fuzz_index: Path, argument: bytes) -> None:
    """What a terminal passes when the query is not valid UTF-8; Python decodes argv with
    surrogateescape, so the query string holds lone surrogates."""
    result = subprocess.run(
        [sys.executable.encode(), b"-m", b"chatdex.cli", b"search", argument, b"--index", bytes(fuzz_index)],
        capture_output=True,
        timeout=60,
    )
    stderr = result.stderr.decode(errors="replace")
    assert result.returncode in (0, 1), stderr
    assert "Traceback" not in stderr and len(stderr.splitlines()) <= 1, stderr
