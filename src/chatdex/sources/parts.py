"""Messages that an app stores as one node but shows in parts: Claude's content blocks,
DeepSeek's fragments, the reasoning and tool blocks inside Open WebUI and LibreChat
answers. Each run of parts with one role and visibility becomes a normalized message of its
own, so that a search for reasoning or tool output can be told apart from the answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chatdex.model import Message, Visibility

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


def expand(
    node_id: str,
    parts: list[Part],
    parent: str | None,
    on_current_branch: bool,
    start: int,
    details: Details,
    main: Part | None = None,
) -> list[Message]:
    """One message per part, each the child of the one before; the first is the child of
    `parent`, and the children of the node become the children of the last. `main` (default:
    the first part seen) keeps `node_id`; `details(part, is_main)` gives the other fields
    (created, model, attachments, ...)."""
    main = main if main is not None else answer(parts)
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
