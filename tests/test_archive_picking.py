"""Which files of a ZIP or folder are read as conversations, for every format's layout."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from chatdex import archive

MEMBERS = [
    # ChatGPT: conversations.json at the top; chat.html repeats it and is not read.
    "conversations.json",
    "chat.html",
    "user.json",
    # Claude unzipped one level down: projects.json only beside users.json.
    "data-2025-01-01/conversations.json",
    "data-2025-01-01/projects.json",
    "data-2025-01-01/users.json",
    "elsewhere/projects.json",
    # Too deep for conversations.json: a ChatGPT export inside some other tree.
    "a/b/conversations.json",
    # Grok buries its file.
    "ttl/30d/export_data/0f3c/prod-grok-backend.json",
    "ttl/30d/export_data/0f3c/prod-mc-asset-server/1/content",
    # Takeout: only Gemini's activity, not the other products' files of the same name.
    "Takeout/My Activity/Gemini Apps/MyActivity.json",
    "Takeout/내 활동/Gemini 앱/내활동.json",  # a Korean Takeout translates folders and file
    "Takeout/My Activity/Search/MyActivity.json",
    "Takeout/My Activity/YouTube/MyActivity.html",
    # SillyTavern's chat files, a character per folder.
    "chats/Seraphina/Seraphina - 2024-05-01@12h30m45s.jsonl",
    "notes.txt",
]
PICKED = [
    "conversations.json",
    "Takeout/My Activity/Gemini Apps/MyActivity.json",
    "Takeout/내 활동/Gemini 앱/내활동.json",
    "chats/Seraphina/Seraphina - 2024-05-01@12h30m45s.jsonl",
    "data-2025-01-01/conversations.json",
    "data-2025-01-01/projects.json",
    "ttl/30d/export_data/0f3c/prod-grok-backend.json",
]


def test_zip_members_are_picked_by_format(make_zip: Callable[..., Path]) -> None:
    path = make_zip({name: b"[]" for name in MEMBERS})
    assert [f.name.split(":", 1)[1] for f in archive.collect([path]).files] == PICKED


def test_folders_are_walked_the_same_way(tmp_path: Path) -> None:
    root = tmp_path / "exports"
    for name in MEMBERS:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"[]")
    assert [Path(f.name).relative_to(root).as_posix() for f in archive.collect([root]).files] == PICKED


def test_chat_html_is_read_when_its_folder_has_no_json(make_zip: Callable[..., Path]) -> None:
    path = make_zip({"export/chat.html": b"<html>", "export/user.json": b"{}"})
    assert [f.kind for f in archive.collect([path]).files] == ["html"]


@pytest.mark.parametrize(
    ("account_file", "content", "account"),
    [
        ("user.json", b'{"id": "user-abc", "email": "a@example.org"}', "user-abc"),
        ("users.json", b'[{"uuid": "acc-1", "full_name": "Ada"}]', "acc-1"),
        ("users.json", b"not json", ""),
    ],
)
def test_the_account_comes_from_the_file_beside_the_conversations(
    tmp_path: Path, account_file: str, content: bytes, account: str
) -> None:
    (tmp_path / "conversations.json").write_bytes(b"[]")
    (tmp_path / account_file).write_bytes(content)
    assert [f.account for f in archive.collect([tmp_path]).files] == [account]
    assert [f.account for f in archive.collect([tmp_path / "conversations.json"]).files] == [account]
