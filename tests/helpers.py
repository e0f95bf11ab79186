from __future__ import annotations

from pathlib import Path

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
