"""Messages that an app stores as one node but shows in parts: Claude's content blocks,
DeepSeek's fragments, the reasoning and tool blocks inside Open WebUI and LibreChat
answers. Each run of parts with one role and visibility becomes a normalized message of its
own, so that a search for reasoning or tool output can be told apart from the answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from chatdex.model import Message, Visibility
from chatdex.tree import Node, place

T = TypeVar("T")

# (part, whether it keeps the node's id) -> the message fields that vary by format
Details = Callable[["Part", bool], dict[str, Any]]


@dataclass(slots=True)
class Part:
    role: str
    visibility: Visibility
    content_type: str
    texts: list[str]
    # Names the part when it is not the answer (`<node id>:<key>`), e.g. the index of its first
    # block in the export; None: its index among the node's parts.
    key: int | str | None = None


def append(parts: list[Part], part: Part, by_type: bool = False) -> None:
    """Add `part` unless it has no words; merged into the last part when it has the same role
    and visibility (and content type, with `by_type`)."""
    texts = [text.strip() for text in part.texts if text.strip()]
    if not texts:
        return
    last = parts[-1] if parts else None
    same = last is not None and (last.role, last.visibility) == (part.role, part.visibility)
    if last is not None and same and (not by_type or last.content_type == part.content_type):
        last.texts.extend(texts)
        return
    parts.append(Part(part.role, part.visibility, part.content_type, texts, part.key))


def answer(parts: list[Part]) -> Part | None:
    """The part that keeps the node's own id: the first one the person saw."""
    return next((part for part in parts if part.visibility is Visibility.SEEN), None)


def _expand(
    node_id: str,
    parts: list[Part],
    parent: str | None,
    on_current_branch: bool,
    start: int,
    details: Details,
    main: Part | None,
) -> list[Message]:
    """One message per part, each the child of the one before; the first is the child of
    `parent`, and the children of the node become the children of the last. `main` keeps
    `node_id`; `details(part, is_main)` gives the other fields (created, model, attachments)."""
    messages: list[Message] = []
    for index, part in enumerate(parts):
        part_id = node_id if part is main else f"{node_id}:{index if part.key is None else part.key}"
        messages.append(
            Message(
                id=part_id,
                parent_id=parent,
                role=part.role,
                text="\n\n".join(part.texts),
                content_type=part.content_type,
                position=start + index,
                on_current_branch=on_current_branch,
                visibility=part.visibility,
                **details(part, part is main),
            )
        )
        parent = part_id
    return messages


def tree_messages(
    nodes: Sequence[Node[T]],
    current: str | None,
    parts: Callable[[T], list[Part]],
    details: Callable[[T, list[Part]], Details],
    main: Callable[[list[Part]], Part | None] = answer,
    before: Sequence[Message] = (),
) -> list[Message]:
    """A tree of nodes, placed in reading order with its current branch (tree.place), each
    node expanded into the messages of its parts: the children of a node hang from its last
    part. `parts(payload)` splits a node, `details(payload, its parts)` gives the fields that
    vary by format, `main(parts)` the part that keeps the node's id; `before` are messages
    that come first (a system prompt). A repeated id is its first node's, as in place()."""
    parts_of: dict[str, list[Part]] = {}
    for node in nodes:
        if node.id not in parts_of:
            parts_of[node.id] = parts(node.payload)
    messages = list(before)
    last_part: dict[str, str] = {}  # node id -> id of its last part
    for placed in place(nodes, current, lambda node: bool(parts_of[node.id])):
        node_parts = parts_of[placed.node.id]
        expanded = _expand(
            placed.node.id,
            node_parts,
            last_part.get(placed.parent) if placed.parent else None,
            placed.on_current_branch,
            len(messages),
            details(placed.node.payload, node_parts),
            main(node_parts),
        )
        messages.extend(expanded)
        last_part[placed.node.id] = expanded[-1].id
    return messages
