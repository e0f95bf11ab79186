"""The normalized model every source parser produces and everything downstream consumes.
Nothing here knows which provider a conversation came from beyond the `source` string."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Visibility(StrEnum):
    """What the person saw in the app, versus context they never saw as a message."""

    SEEN = "seen"  # prompts, answers, code shown, transcribed voice, canvas text
    HIDDEN = "hidden"  # custom instructions, system prompts, memory context
    TOOL = "tool"  # browsing results, tool calls and their raw outputs
    REASONING = "reasoning"  # thoughts, reasoning summaries, analysis channel


@dataclass(slots=True)
class Message:
    id: str
    parent_id: str | None
    role: str
    text: str
    content_type: str
    author_name: str | None = None
    created: datetime | None = None
    position: int = 0
    on_current_branch: bool = False
    visibility: Visibility = Visibility.SEEN
    model: str | None = None
    attachments: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Conversation:
    source: str
    id: str
    title: str
    messages: list[Message]
    account: str = ""
    created: datetime | None = None
    updated: datetime | None = None
    model: str | None = None
    gizmo_id: str | None = None
    project_id: str | None = None
    url: str | None = None
    # The digest of the export record this was parsed from (see sources/base.py): not part
    # of the conversation, and left out of its content hash.
    raw_digest: int | None = None

    @property
    def key(self) -> str:
        # Conversation ids are unique within a provider, not across providers.
        return f"{self.source}:{self.id}"


@dataclass(slots=True)
class Skipped:
    """A record a parser could not turn into a conversation; the import goes on without it."""

    where: str
    reason: str


@dataclass(slots=True)
class Unchanged:
    """A record the index already holds exactly as it is (same digest): not parsed again."""
