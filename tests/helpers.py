from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

from chatdex.archive import collect
from chatdex.exports import read_conversations
from chatdex.model import Conversation, Skipped


def parse(path: Path) -> tuple[list[Conversation], list[Skipped]]:
    conversations: list[Conversation] = []
    skipped: list[Skipped] = []
    for export in collect([path]).files:
        for item in read_conversations(export):
            (skipped if isinstance(item, Skipped) else conversations).append(item)
    return conversations, skipped


def by_id(conversations: list[Conversation]) -> dict[str, Conversation]:
    return {conversation.id: conversation for conversation in conversations}


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


def damage(value: Any, rng: random.Random, count: int, extra: list[Any] | None = None) -> Any:
    """`value` with `count` random places damaged: a key dropped or a value replaced (by a
    copy, so no object ends up inside itself). Paths are found without recursion."""
    choices = REPLACEMENTS + (extra or [])
    for _ in range(count):
        paths: list[tuple[Any, ...]] = []
        stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
        while stack:
            item, path = stack.pop()
            children = (
                item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
            )
            for key, child in children:
                paths.append((*path, key))
                stack.append((child, (*path, key)))
        if not paths:
            break
        *parent_path, last = rng.choice(paths)
        parent = value
        for step in parent_path:
            parent = parent[step]
        if isinstance(parent, dict) and rng.random() < 0.4:
            del parent[last]
        else:
            parent[last] = copy.deepcopy(rng.choice(choices))
    return value


def well_formed(conversation: Conversation) -> None:
    """What every parser promises whatever its input: unique message ids, parents that are
    messages of the conversation, positions in order, and a current branch closed upwards."""
    ids = [m.id for m in conversation.messages]
    assert len(set(ids)) == len(ids), ids
    by_id_ = {m.id: m for m in conversation.messages}
    for message in conversation.messages:
        assert message.parent_id is None or message.parent_id in by_id_, (message.id, message.parent_id)
        if message.on_current_branch and message.parent_id is not None:
            assert by_id_[message.parent_id].on_current_branch, (message.id, message.parent_id)
    assert [m.position for m in conversation.messages] == list(range(len(ids)))
