"""How a file's layout is found and its records reach a format: JSON Lines, single objects,
container keys, damaged first lines, files beside an export that are not one."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from chatdex.archive import collect
from chatdex.errors import ExportFormatError
from tests.helpers import parse

ST_HEADER = {
    "user_name": "You",
    "character_name": "Mira",
    "create_date": "2024-05-01@12h30m45s",
    "chat_metadata": {},
}


def _st_line(n: int, text: str) -> dict[str, object]:
    return {
        "name": "You" if n % 2 == 0 else "Mira",
        "is_user": n % 2 == 0,
        "is_system": False,
        "send_date": 1714566645000 + n,
        "mes": text,
    }


def _jsonl(*records: object) -> bytes:
    return b"\n".join(orjson.dumps(r) for r in records)


def test_a_damaged_first_line_is_reported_and_the_rest_read(tmp_path: Path) -> None:
    path = tmp_path / "Mira - 2024-05-01@12h30m45s.jsonl"
    path.write_bytes(
        b'{"user_name": "You", "charac\n' + _jsonl(_st_line(1, "hello there"), _st_line(2, "general kenobi"))
    )
    conversations, skipped = parse(path)
    assert [(s.where.rsplit(": ", 1)[1], s.reason) for s in skipped] == [
        ("line 1", "not valid JSON (unexpected end of data)")
    ]
    assert [m.text for m in conversations[0].messages] == ["hello there", "general kenobi"]


def test_a_jsonl_file_holding_a_json_array_is_read_as_the_array(tmp_path: Path, data: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes((data / "chatgpt_2024.json").read_bytes())
    assert len(parse(path)[0]) == len(parse(data / "chatgpt_2024.json")[0]) > 0


def test_a_very_long_line_is_read_in_linear_time(tmp_path: Path) -> None:
    # SillyTavern lines can carry inline images of many megabytes.
    path = tmp_path / "Mira - 2024-05-01@12h30m45s.jsonl"
    path.write_bytes(_jsonl(ST_HEADER, _st_line(1, "x" * 40_000_000), _st_line(2, "after the long one")))
    started = time.perf_counter()
    conversations, skipped = parse(path)
    assert time.perf_counter() - started < 5  # the quadratic split took 10 s for 32 MB
    assert skipped == [] and conversations[0].messages[-1].text == "after the long one"


def test_the_unknown_format_error_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "odd.json"
    path.write_bytes(orjson.dumps({"weird\nkey": 1, "k" * 500: 2, "plain": 3}))
    with pytest.raises(ExportFormatError) as info:
        parse(path)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400
    assert "'weird\\nkey'" in str(info.value) and "plain" in str(info.value)


def test_a_chat_html_that_mentions_gemini_markup_is_still_chatgpt(tmp_path: Path, data: Path) -> None:
    page = next((data / "chat_html").glob("*.html")).read_bytes()
    marked = page.replace(b"</body>", b'<p>class="outer-cell"</p></body>')
    (tmp_path / "chat.html").write_bytes(marked)
    assert (
        len(parse(tmp_path / "chat.html")[0]) == len(parse(next((data / "chat_html").glob("*.html")))[0]) > 0
    )


def test_files_beside_gemini_activity_and_stray_jsonl_are_skipped_quietly(
    make_zip: Callable[..., Path], data: Path
) -> None:
    activity = (data / "gemini" / "MyActivity.json").read_bytes()
    path = make_zip(
        {
            "Takeout/My Activity/Gemini Apps/MyActivity.json": activity,
            "Takeout/My Activity/Gemini Apps/settings.json": b'{"theme": "dark"}',
            "Takeout/My Activity/Gemini Apps/notes.html": b"<html><body>my notes</body></html>",
            "Takeout/My Activity/Gemini Apps/broken.json": b"{not json",
            "Takeout/My Activity/Lombard Street/MyActivity.json": b"[]",
            "data/user/files/train.jsonl": _jsonl(
                {"messages": [{"role": "user", "content": "hi"}]}, {"messages": []}
            ),
        }
    )
    picked = [f.name.split(":", 1)[1] for f in collect([path]).files]
    assert "Takeout/My Activity/Lombard Street/MyActivity.json" not in picked
    conversations, skipped = parse(path)
    alone, alone_skipped = parse(data / "gemini" / "MyActivity.json")
    # Only the activity file is read: its conversations and its own malformed records.
    assert [c.id for c in conversations] == [c.id for c in alone] and conversations
    assert [s.reason for s in skipped] == [s.reason for s in alone_skipped]


def test_a_file_given_by_name_is_never_skipped_quietly(tmp_path: Path) -> None:
    path = tmp_path / "train.jsonl"
    path.write_bytes(_jsonl({"messages": []}, {"messages": []}))
    with pytest.raises(ExportFormatError, match="not an export chatdex recognises"):
        parse(path)


def test_an_optional_file_is_never_read_as_a_forced_format_it_is_not(
    make_zip: Callable[..., Path], data: Path
) -> None:
    from chatdex import sources
    from chatdex.exports import read_conversations

    activity = (data / "gemini" / "MyActivity.json").read_bytes()
    path = make_zip(
        {
            "Takeout/My Activity/Gemini Apps/MyActivity.json": activity,
            "Takeout/My Activity/Gemini Apps/notes.json": b'[{"a": 1}]',
            "Takeout/My Activity/Gemini Apps/notes.html": b"<html><body>notes</body></html>",
            "chats/metrics.jsonl": b'{"loss": NaN}\n{"loss": NaN}\n',
        }
    )
    forced = sources.by_name("gemini")
    read = [
        (f.name.rsplit("/", 1)[1], len(list(read_conversations(f, forced=forced))))
        for f in collect([path]).files
    ]
    alone = len(list(read_conversations(collect([data / "gemini" / "MyActivity.json"]).files[0])))
    assert sorted(read) == sorted(
        [("MyActivity.json", alone), ("notes.json", 0), ("notes.html", 0), ("metrics.jsonl", 0)]
    )


def test_zip_names_with_backslashes_or_dot_slash_are_found(make_zip: Callable[..., Path], data: Path) -> None:
    conversations = (data / "chatgpt_2024.json").read_bytes()
    path = make_zip({"export\\conversations.json": conversations, "./export/user.json": b'{"id": "user-7"}'})
    files = collect([path]).files
    assert [(f.name.split(":", 1)[1], f.account) for f in files] == [("export\\conversations.json", "user-7")]
    assert len(parse(path)[0]) == len(parse(data / "chatgpt_2024.json")[0])


def test_the_gemini_folder_itself_and_the_admin_export_are_found(tmp_path: Path, data: Path) -> None:
    folder = tmp_path / "Gemini Apps"
    folder.mkdir()
    (folder / "MyActivity.json").write_bytes((data / "gemini" / "MyActivity.json").read_bytes())
    assert [Path(f.name).name for f in collect([folder]).files] == ["MyActivity.json"]
    webui = tmp_path / "webui"
    webui.mkdir()
    (webui / "all-chats-export-1767000200000.json").write_text("[]")
    assert [Path(f.name).name for f in collect([webui]).files] == ["all-chats-export-1767000200000.json"]
