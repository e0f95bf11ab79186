"""Real exports from public repositories (../shared/samples, MIT), when present. Counts
differ from the samples README where chatdex drops messages with no text (the empty system
message every conversation starts with)."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatdex.errors import ExportFormatError
from tests.helpers import by_id, parse, shape

CHATGPT = {
    "danny-avila-LibreChat__chatgpt-tree.json": {
        # 12 nodes with a message, minus the empty system one; two branch points.
        "d5dc5307-6807-41a0-8b04-4acee626eeb7": (11, 6, {"seen": 11}),
    },
    "danny-avila-LibreChat__chatgpt-export.json": {
        "d6523d1e-7ec3-474f-a363-0e9dffdb3d93": (15, 15, {"seen": 6, "tool": 9}),
        "7c5ab593-dbab-43bd-862d-2c3c1eeebf6a": (4, 4, {"seen": 4}),
    },
    "danny-avila-LibreChat__chatgpt-citations.json": {
        # No root and a dangling current_node: the newest leaf's path is the branch.
        "d6523d1e-7ec3-474f-a363-0e9dffdb3d93": (2, 2, {"seen": 1, "tool": 1}),
    },
    "danny-avila-LibreChat__chatgpt-modern-export.json": {
        "6b0f0d9c-0000-4000-8000-000000000001": (5, 5, {"seen": 4, "hidden": 1}),
        "6b0f0d9c-0000-4000-8000-000000000002": (0, 0, {}),  # no mapping at all
        "6b0f0d9c-0000-4000-8000-000000000003": (2, 2, {"seen": 2}),
    },
    "realazthat-chatgpt2graph__conversations.json": {
        "966da5c4-5bb7-4e4d-ab6d-a7316b96266e": (42, 42, {"seen": 31, "tool": 11}),
    },
}


@pytest.mark.parametrize("name", sorted(CHATGPT))
def test_real_chatgpt_exports(samples: Path, name: str) -> None:
    conversations, skipped = parse(samples / "chatgpt" / name)
    assert skipped == []
    assert {cid: shape(c) for cid, c in by_id(conversations).items()} == CHATGPT[name]


def test_the_interrupted_reply_and_both_branches_are_kept(samples: Path) -> None:
    conversation = parse(samples / "chatgpt" / "danny-avila-LibreChat__chatgpt-tree.json")[0][0]
    off = [m.id[:8] for m in conversation.messages if not m.on_current_branch]
    assert off == ["aaa24023", "23afbea9", "aaa292cc", "ada93f81", "d0d2a7df"]
    assert conversation.messages[-1].id.startswith("f63b8e17") and conversation.messages[-1].on_current_branch


def test_browsing_citations_are_removed_from_real_text(samples: Path) -> None:
    for conversation in parse(samples / "chatgpt" / "danny-avila-LibreChat__chatgpt-export.json")[0]:
        for message in conversation.messages:
            assert "【" not in message.text and "†" not in message.text


@pytest.mark.parametrize(
    "name",
    [
        "moralesresearch-chat-data__message_feedback.json",
        "moralesresearch-chat-data__model_comparisons.json",
        "moralesresearch-chat-data__shared_conversations.json",
    ],
)
def test_side_files_are_refused_with_a_hint(samples: Path, name: str) -> None:
    with pytest.raises(ExportFormatError, match="is a side file of the export, not its conversations"):
        parse(samples / "chatgpt" / name)
