from __future__ import annotations

import copy
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from hypothesis import strategies as st
from typer.testing import Result

from chatdex.archive import collect
from chatdex.errors import ExportFormatError
from chatdex.exports import read_conversations
from chatdex.model import Conversation, Message, Skipped


def parse(path: Path) -> tuple[list[Conversation], list[Skipped]]:
    conversations: list[Conversation] = []
    skipped: list[Skipped] = []
    for export in collect([path]).files:
        for item in read_conversations(export):
            (skipped if isinstance(item, Skipped) else conversations).append(item)
    return conversations, skipped


def by_id(conversations: list[Conversation]) -> dict[str, Conversation]:
    return {conversation.id: conversation for conversation in conversations}


def by_message(conversation: Conversation) -> dict[str, Message]:
    return {message.id: message for message in conversation.messages}


def shape(conversation: Conversation) -> tuple[int, int, dict[str, int]]:
    """(messages, on current branch, count per visibility class)"""
    counts: dict[str, int] = {}
    for message in conversation.messages:
        counts[message.visibility.value] = counts.get(message.visibility.value, 0) + 1
    return (
        len(conversation.messages),
        sum(message.on_current_branch for message in conversation.messages),
        counts,
    )


# Values a damaged export puts where another type belongs.
REPLACEMENTS: list[Any] = [None, 0, -1, 1.5e308, 10**400, "", "x", "9" * 30, [], {}, [None], {"a": [1]}, True]


def places(value: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every value inside `value`, found without recursion."""
    found: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        item = stack.pop()
        keys = list(item) if isinstance(item, dict) else range(len(item)) if isinstance(item, list) else []
        for key in keys:
            found.append((item, key))
            stack.append(item[key])
    return found


def damage(value: Any, rng: random.Random, count: int, extra: list[Any] | None = None) -> Any:
    """`value` with `count` random places damaged: a key dropped or a value replaced (by a
    copy, so no object ends up inside itself)."""
    choices = REPLACEMENTS + (extra or [])
    for _ in range(count):
        found = places(value)
        if not found:
            break
        container, key = rng.choice(found)
        if isinstance(container, dict) and rng.random() < 0.4:
            del container[key]
        else:
            container[key] = copy.deepcopy(rng.choice(choices))
    return value


def damage_drawn(value: Any, draw: st.DrawFn, values: st.SearchStrategy[Any], most: int = 6) -> Any:
    """A copy of `value` damaged like `damage`, hypothesis choosing where and with what (so
    that it can shrink a failure to its smallest damage)."""
    value = copy.deepcopy(value)
    for _ in range(draw(st.integers(1, most))):
        found = places(value)
        if not found:
            break
        container, key = found[draw(st.integers(0, len(found) - 1))]
        if isinstance(container, dict) and draw(st.booleans()):
            del container[key]
        else:
            container[key] = draw(values)
    return value


def search_json(cli: Callable[..., Result], index_path: Path, *args: str) -> list[dict[str, Any]]:
    """`chatdex search ARGS --json` on the index: its hits."""
    result = cli("search", *args, "--index", index_path, "--json")
    assert result.exit_code == 0, result.stderr
    return [orjson.loads(line) for line in result.stdout.splitlines()]


def well_formed(conversation: Conversation) -> None:
    """What every parser promises whatever its input: unique message ids, parents that are
    messages of the conversation, positions in order, and a current branch closed upwards."""
    ids = [m.id for m in conversation.messages]
    assert len(set(ids)) == len(ids), ids
    by_id_ = by_message(conversation)
    for message in conversation.messages:
        assert message.parent_id is None or message.parent_id in by_id_, (message.id, message.parent_id)
        if message.on_current_branch and message.parent_id is not None:
            assert by_id_[message.parent_id].on_current_branch, (message.id, message.parent_id)
    assert [m.position for m in conversation.messages] == list(range(len(ids)))


def well_formed_or_refused(parse: Callable[[], Any]) -> None:
    """A damaged record gives a well-formed conversation, or a refusal with a reason."""
    try:
        parsed = parse()
    except ExportFormatError:
        return
    assert isinstance(parsed, Conversation)
    well_formed(parsed)
