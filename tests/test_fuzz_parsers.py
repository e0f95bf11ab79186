"""Property tests: the ChatGPT parser on hostile records, the importer on arbitrary bytes and
JSON, and DepthGuard against the true nesting depth of random documents."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from chatdex.errors import ChatdexError, ExportFormatError
from chatdex.importer import ImportSummary, import_exports
from chatdex.jsonstream import MAX_DEPTH, DepthGuard
from chatdex.model import Conversation
from chatdex.sources import chatgpt

# Budget: the whole file in well under a minute on two slow cores. Each import test example
# imports twice, so those tests shrink only the first bug they find.
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(
    max_examples=50, deadline=None, report_multiple_bugs=False, suppress_health_check=[HealthCheck.too_slow]
)

CITATION_CHARS = "\ue200\ue201\ue202\ue203\ue204\ue2ff"
# Joined from a list, so the citation characters are drawn as often as all others together.
texts = st.lists(
    st.characters(codec="utf-8") | st.sampled_from([*CITATION_CHARS, "【", "】", "†"]), max_size=12
).map("".join)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=10,
)
wrong = scalars | json_values  # the recursive strategy alone seldom gives a bare scalar
times = (
    st.none()
    | st.booleans()
    | st.floats()
    | st.integers(-(2**70), 2**70)
    | texts
    | st.datetimes().map(lambda when: when.isoformat())
    | st.sampled_from(["2024-05-01T10:00:00Z", "0001-01-01", "9999-12-31T23:59:59-12:00", 1.7e9, 1e10])
)
CONTENT_TYPES = [
    "text",
    "multimodal_text",
    "code",
    "execution_output",
    "thoughts",
    "reasoning_recap",
    "tether_quote",
    "user_editable_context",
    "system_error",
    "future_widget",
]
PART_TYPES = [
    "audio_transcription",
    "image_asset_pointer",
    "audio_asset_pointer",
    "real_time_user_audio_video_asset_pointer",
    "future_part",
]


def anything(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the value a field should hold, else any JSON value instead."""
    return st.sampled_from([True, True, True, True, False]).flatmap(lambda ok: strategy if ok else wrong)


def records(mistyped_all: bool) -> st.SearchStrategy[dict[str, Any]]:
    """ChatGPT-shaped conversation records with hostile trees and mistyped fields. With
    `mistyped_all` false, a part's content_type is always a string and metadata.attachments
    always a list (the two fields whose mistyping crashes the parser, see the outcome test)."""

    def strict(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return anything(strategy) if mistyped_all else strategy

    part = (
        texts
        | scalars
        | st.fixed_dictionaries(
            {},
            optional={
                "content_type": strict(st.sampled_from(PART_TYPES) | texts),
                "text": anything(texts),
                "asset_pointer": texts,
                "title": anything(texts),
                "extra": json_values,
            },
        )
    )
    content = st.fixed_dictionaries(
        {
            "content_type": anything(st.sampled_from(CONTENT_TYPES) | texts),
            "parts": anything(st.lists(texts.filter(str.strip) | part, min_size=1, max_size=3)),
        },
        optional={
            "text": anything(texts),
            "thoughts": anything(
                st.lists(
                    st.fixed_dictionaries(
                        {}, optional={"summary": anything(texts), "content": anything(texts)}
                    ),
                    max_size=2,
                )
            ),
            "content": anything(texts),
            "result": json_values,
        },
    )
    attachments = st.lists(
        st.fixed_dictionaries({}, optional={"name": anything(texts)}) | scalars, max_size=2
    )
    message_fields = st.fixed_dictionaries(
        {"content": anything(content)},
        optional={
            "author": anything(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "role": anything(st.sampled_from(["user", "assistant", "system", "tool"])),
                        "name": anything(st.sampled_from(["python", "canmore.create_textdoc"]) | texts),
                    },
                )
            ),
            "create_time": times,
            "metadata": anything(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "attachments": strict(attachments),
                        "model_slug": anything(texts),
                        "is_visually_hidden_from_conversation": json_values,
                    },
                )
            ),
            "recipient": anything(st.sampled_from(["all", "python", "browser", "canmore.update"])),
            "channel": anything(st.sampled_from(["analysis", "commentary", "final"])),
        },
    )
    ids = st.text("abcx", min_size=1, max_size=2)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        keys = draw(st.lists(ids, max_size=8, unique=True))
        pool = [*keys, "dangling"]
        mapping: dict[str, Any] = {}
        for key in keys:
            if not draw(st.sampled_from([True] * 9 + [False])):
                mapping[key] = draw(scalars)
                continue
            node: dict[str, Any] = {}
            raw_id = draw(st.sampled_from(["absent", "other", "wrong"]))
            if raw_id == "other":
                node["id"] = draw(st.sampled_from(pool) | ids)  # may repeat another node's id
            elif raw_id == "wrong":
                node["id"] = draw(st.integers() | st.none())
            node_id = node["id"] if isinstance(node.get("id"), str) else key
            parent = draw(st.sampled_from(["pool", "pool", "absent", "self", "wrong"]))
            if parent == "pool":
                node["parent"] = draw(st.sampled_from(pool))  # trees, cycles and dangling links
            elif parent == "self":
                node["parent"] = node_id
            elif parent == "wrong":
                node["parent"] = draw(scalars)
            shape = draw(st.sampled_from(["message"] * 5 + ["null", "absent", "wrong"]))
            if shape == "message":
                message = draw(message_fields)
                # The message id is the node id, or missing, empty or mistyped (then the node id
                # is used), so parent links can be checked against message ids.
                message_id = draw(st.sampled_from(["node", "absent", "empty", "wrong"]))
                if message_id != "absent":
                    message["id"] = {"node": node_id, "empty": "", "wrong": 7}[message_id]
                node["message"] = message
            elif shape == "null":
                node["message"] = None
            elif shape == "wrong":
                node["message"] = draw(json_values)
            if draw(st.booleans()):
                node["children"] = draw(st.lists(st.sampled_from(pool), max_size=3))
            mapping[key] = node
        record: dict[str, Any] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "title": anything(texts),
                    "create_time": times,
                    "update_time": times,
                    "gizmo_id": anything(st.sampled_from(["g-p-0123", "g-abc"])),
                    "default_model_slug": anything(texts),
                    "conversation_id": anything(st.sampled_from(["conv-2", ""]) | texts),
                },
            )
        )
        record_id = draw(st.sampled_from(["conv-1"] * 6 + ["absent", "blank", "wrong"]))
        if record_id != "absent":
            record["id"] = {"conv-1": "conv-1", "blank": " ", "wrong": 12}[record_id]
        record["mapping"] = mapping if draw(st.sampled_from([True] * 9 + [False])) else draw(json_values)
        current = draw(st.sampled_from(["pool", "pool", "absent", "wrong"]))
        if current == "pool":
            record["current_node"] = draw(st.sampled_from(pool))
        elif current == "wrong":
            record["current_node"] = draw(scalars)
        return record

    return build()


def text_node(node_id: str, parent: str | None, text: str) -> dict[str, Any]:
    return {
        "id": node_id,
        "parent": parent,
        "message": {
            "id": node_id,
            "author": {"role": "user"},
            "content": {"content_type": "text", "parts": [text]},
        },
    }


CYCLE = {
    "id": "conv-1",
    "current_node": "a",
    "mapping": {"a": text_node("a", "b", "one"), "b": text_node("b", "a", "two")},
}
LONE_MARKER = {"id": "conv-1", "mapping": {"a": text_node("a", None, "cited\ue201 text\ue202")}}
ATTACHMENTS_NUMBER = {
    "id": "conv-1",
    "mapping": {
        "a": {
            "message": {"content": {"content_type": "text", "parts": ["hi"]}, "metadata": {"attachments": 3}}
        }
    },
}
PART_TYPE_LIST = {
    "id": "conv-1",
    "mapping": {
        "a": {
            "message": {
                "content": {
                    "content_type": "multimodal_text",
                    "parts": [{"content_type": ["image_asset_pointer"]}],
                }
            }
        }
    },
}


def parsed(record: Any) -> Conversation | None:
    """The conversation, or None when the parser refused it with ExportFormatError; any other
    exception propagates and fails the test."""
    try:
        return chatgpt.parse_conversation(record)
    except ExportFormatError:
        return None


# --- (a) parse_conversation ----------------------------------------------------------------


@FAST
@given(record=records(mistyped_all=True) | json_values)
@example(record=ATTACHMENTS_NUMBER)
@example(record=PART_TYPE_LIST)
def test_parse_conversation_returns_a_conversation_or_raises_format_error(record: Any) -> None:
    conversation = parsed(record)
    assert conversation is None or isinstance(conversation, Conversation)


@FAST
@given(record=records(mistyped_all=False))
@example(record=CYCLE)
def test_parsed_message_tree_is_consistent(record: dict[str, Any]) -> None:
    conversation = parsed(record)
    if conversation is None:
        return
    messages = conversation.messages
    ids = [m.id for m in messages]
    assert [m.position for m in messages] == list(range(len(messages)))
    assert len(set(ids)) == len(ids)
    earlier: set[str] = set()
    for message in messages:  # a parent is read before its children
        assert message.parent_id is None or message.parent_id in earlier, (message.id, message.parent_id)
        earlier.add(message.id)
    branch = [m for m in messages if m.on_current_branch]
    if branch:  # the current branch is one chain from a root down
        assert branch[0].parent_id is None
        for parent, child in pairwise(branch):
            assert child.parent_id == parent.id
    current = record.get("current_node")
    if isinstance(current, str) and current in ids:
        assert branch[-1].id == current


@FAST
@given(record=records(mistyped_all=False))
@example(record=LONE_MARKER)
def test_parsed_text_is_clean(record: dict[str, Any]) -> None:
    conversation = parsed(record)
    if conversation is None:
        return
    assert conversation.id.strip()
    for message in conversation.messages:
        assert not any("\ue200" <= ch <= "\ue2ff" for ch in message.text), repr(message.text)
        assert message.text == message.text.strip()
        assert message.text or message.attachments


# --- (b) import_exports on arbitrary input --------------------------------------------------


def outcome(path: Path, index: Path) -> ImportSummary | ChatdexError:
    try:
        return import_exports([path], index)
    except ChatdexError as error:
        return error


def check_import_twice(name: str, data: bytes) -> None:
    """Import `data` as a file called `name` twice into a new index: each run ends in a
    summary or a ChatdexError (anything else fails the test), and the second finds nothing new."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        first = outcome(path, Path(folder) / "index")
        second = outcome(path, Path(folder) / "index")
    if isinstance(first, ChatdexError):
        assert (type(second), str(second)) == (type(first), str(first))
        return
    assert isinstance(second, ImportSummary)
    assert second.conversations_new == 0
    assert second.conversations_seen == first.conversations_seen
    assert second.conversations_skipped == first.conversations_skipped


PREFIXES = [
    b"",
    b"[",
    b"{",
    b"PK\x03\x04",
    b"\xef\xbb\xbf[",
    b'[{"id": "c", "mapping": {',
    b"<script>var jsonData = [",
]
NAMES = ["conversations.json", "conversations-001.json", "chat.html", "notes.txt"]


@SLOW
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=300), name=st.sampled_from(NAMES))
def test_import_of_arbitrary_bytes(prefix: bytes, body: bytes, name: str) -> None:
    check_import_twice(name, prefix + body)


def in_zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("conversations.json", data)
    return buffer.getvalue()


CONTAINERS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "json": ("conversations.json", lambda data: data),
    "html": ("chat.html", lambda data: b"<html><script>\nvar jsonData = " + data + b";\nrender();</script>"),
    "zip": ("export.zip", in_zip),
}


@SLOW
@given(
    value=json_values | records(mistyped_all=True) | st.lists(records(mistyped_all=True), max_size=3),
    ascii_only=st.booleans(),
    container=st.sampled_from(sorted(CONTAINERS)),
)
@example(value=[{"id": "conv-1", "create_time": 1e10, "mapping": {}}], ascii_only=True, container="json")
def test_import_of_arbitrary_json(value: Any, ascii_only: bool, container: str) -> None:
    name, wrap = CONTAINERS[container]
    check_import_twice(name, wrap(json.dumps(value, ensure_ascii=ascii_only).encode()))


SMALL_EXPORT = in_zip(json.dumps([CYCLE, {**LONE_MARKER, "id": "conv-2"}]).encode())


@SLOW
@given(
    cut=st.integers(0, len(SMALL_EXPORT)),
    flips=st.lists(st.tuples(st.integers(0, len(SMALL_EXPORT) - 1), st.integers(1, 255)), max_size=4),
)
@example(cut=len(SMALL_EXPORT), flips=[(28, 1)])  # the local header's extra length: data read 1 byte late
def test_import_of_damaged_zip(cut: int, flips: list[tuple[int, int]]) -> None:
    blob = bytearray(SMALL_EXPORT)
    for at, mask in flips:
        blob[at] ^= mask
    check_import_twice("export.zip", bytes(blob[: max(cut, 2)]))


# --- (c) DepthGuard ------------------------------------------------------------------------

brackety = st.text(st.sampled_from('[]{}"\\/ aé\ue200\n'), max_size=10)
guard_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | brackety,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(brackety, inner, max_size=3),
    max_leaves=8,
)


def true_depth(value: Any) -> int:
    deepest = 0
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, list | dict):
            deepest = max(deepest, level + 1)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


@st.composite
def nested(draw: st.DrawFn) -> Any:
    """A random value wrapped in lists, objects with bracket-laden keys, and lists with
    siblings, until it is a few levels either side of MAX_DEPTH (or shallow)."""
    value = draw(guard_values)
    target = draw(st.integers(0, 20) | st.integers(MAX_DEPTH - 3, MAX_DEPTH + 3))
    kinds = draw(st.lists(st.sampled_from(["list", "object", "siblings"]), min_size=1, max_size=6))
    keys = draw(st.lists(brackety, min_size=1, max_size=4))
    sibling = draw(guard_values)
    for level in range(max(0, target - true_depth(value))):
        kind = kinds[level % len(kinds)]
        if kind == "list":
            value = [value]
        elif kind == "object":
            value = {keys[level % len(keys)]: value}
        else:
            value = [sibling, value, keys[level % len(keys)]]
    return value


class Pieces:
    """A raw stream that hands out its bytes in pieces of the given sizes, in turn."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data, self._sizes, self._at, self._reads = data, sizes, 0, 0

    def read(self, size: int = -1) -> bytes:
        wanted = self._sizes[self._reads % len(self._sizes)]
        self._reads += 1
        piece = self._data[self._at : self._at + (min(wanted, size) if size > 0 else wanted)]
        self._at += len(piece)
        return piece


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(value=nested(), sizes=st.lists(st.integers(1, 40), min_size=1, max_size=6), ascii_only=st.booleans())
def test_depth_guard_matches_the_true_depth(value: Any, sizes: list[int], ascii_only: bool) -> None:
    data = json.dumps(value, ensure_ascii=ascii_only).encode()
    guard = DepthGuard(Pieces(data, sizes), "doc.json")
    if true_depth(value) <= MAX_DEPTH:
        assert b"".join(iter(lambda: guard.read(1 << 16), b"")) == data
    else:
        with pytest.raises(ExportFormatError, match=r"doc\.json: JSON nested more than 512 levels deep"):
            while guard.read(1 << 16):
                pass
