"""The command line as a person and a script use it: exact output, exit codes, JSON keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest


def test_import_prints_a_summary(cli, data: Path, index_path: Path) -> None:
    result = cli("import", data / "chatgpt_2024.json", "--index", index_path)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"Imported 1 file \(32\.4 KB\) in \d+\.\d s", lines[0])
    assert lines[1] == "  conversations  3 new · 0 updated · 0 unchanged · 0 skipped"
    assert re.fullmatch(r"  messages       21 indexed \([\d,]+/s\)", lines[2])
    assert lines[3] == f"  index          {index_path}"
    assert result.stderr == ""


def test_import_json_summary_has_stable_keys(cli, data: Path, index_path: Path) -> None:
    result = cli("import", data / "malformed.json", "--index", index_path, "--json")
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert sorted(summary) == [
        "bytes",
        "conversations_new",
        "conversations_older",
        "conversations_skipped",
        "conversations_unchanged",
        "conversations_updated",
        "files",
        "index",
        "messages_indexed",
        "messages_per_second",
        "seconds",
        "warnings",
    ]
    assert (summary["conversations_new"], summary["conversations_skipped"], summary["messages_indexed"]) == (
        2,
        3,
        5,
    )
    assert summary["index"] == str(index_path)


def test_quiet_import_prints_nothing_and_warnings_go_to_stderr(cli, data: Path, index_path: Path) -> None:
    quiet = cli("import", data / "malformed.json", "--index", index_path, "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")
    loud = cli("import", data / "malformed.json", "--index", index_path / "other")
    assert loud.stderr.splitlines() == [
        f"warning: {data / 'malformed.json'}: record 3 skipped: a conversation record is str, not an object",
        f"warning: {data / 'malformed.json'}: record 4 skipped: conversation badaaaaa-0000-4000-8000-000000000003: "
        "'mapping' is list, not an object",
        f"warning: {data / 'malformed.json'}: record 5 skipped: a conversation record has no id",
    ]


def test_default_index_lives_in_chatdex_home(cli, data: Path, _isolated_home: Path) -> None:
    assert cli("import", data / "chatgpt_2023.json", "--quiet").exit_code == 0
    assert (_isolated_home / "index" / "chatdex.json").is_file()
    stats = json.loads(cli("stats", "--json").stdout)
    assert (stats["conversations"], stats["messages"], stats["index"]) == (
        2,
        9,
        str(_isolated_home / "index"),
    )


def test_stats_json(cli, data: Path, index_path: Path) -> None:
    cli("import", data / "chatgpt_2023.json", data / "chatgpt_2025.json", "--index", index_path, "--quiet")
    stats = json.loads(cli("stats", "--index", index_path, "--json").stdout)
    assert {
        k: stats[k] for k in ("conversations", "messages", "schema_version", "first_date", "last_date")
    } == {
        "conversations": 6,
        "messages": 42,
        "schema_version": 2,
        "first_date": stats["first_date"],
        "last_date": stats["last_date"],
    }
    assert stats["first_date"].startswith("2023-") and stats["last_date"].startswith("2025-")
    assert stats["by_role"] == {"assistant": 24, "user": 14, "tool": 4}
    assert sum(stats["by_year"].values()) == 42
    assert sorted(stats["by_year"]) == ["2023", "2025"]
    assert stats["index_bytes"] > 0


def test_stats_table(cli, data: Path, index_path: Path) -> None:
    cli("import", data / "chatgpt_2023.json", "--index", index_path, "--quiet")
    out = cli("stats", "--index", index_path).stdout
    assert out.startswith("2 conversations, 9 messages\nfrom 2023-")
    assert "by role" in out and "assistant  5" in out


READS = "it reads ChatGPT, Claude, Gemini, DeepSeek, Grok, Open WebUI, LibreChat and SillyTavern exports"
LOOKED_FOR = (
    "looked for conversations.json, conversations-NNN.json, chat.html, projects.json, "
    "prod-grok-backend.json, Gemini's MyActivity.json or .html, .jsonl chat files, and the "
    "files of the ChatGPT Exporter extension, Open WebUI and Chatbot UI"
)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing.zip", "{p}: no such file or directory"),
        (lambda tmp: _file(tmp / "empty.json", b""), "{p} is empty"),
        (lambda tmp: _file(tmp / "c.json", b"hello"), "{p}: not JSON (it starts with 'h')"),
        (
            lambda tmp: _file(tmp / "c.json", b'{"a": 1}'),
            "{p}: not an export chatdex recognises (found an object with keys a); " + READS,
        ),
        (
            lambda tmp: _file(tmp / "c.json", b"[1, 2]"),
            "{p}: not an export chatdex recognises (found int values); " + READS,
        ),
        (
            lambda tmp: _file(tmp / "c.json", b'[{"id": "x", "mapping": {'),
            "{p}: the JSON ends too early; the file looks truncated (download the export again)",
        ),
        (
            lambda tmp: _file(tmp / "c.zip", b"PK\x03\x04 not really"),
            "{p}: corrupt or truncated ZIP (File is not a zip file); download the export again",
        ),
        (
            lambda tmp: _file(tmp / "page.html", b"<html><body>hi</body></html>"),
            "{p}: an HTML page chatdex does not read; it reads ChatGPT's chat.html and Gemini's My Activity page",
        ),
        (
            lambda tmp: _folder(tmp / "folder"),
            "{p}: no export found in this folder (" + LOOKED_FOR + ")",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_1_and_the_index_stays(
    cli, data: Path, tmp_path: Path, index_path: Path, make, message: str
) -> None:
    cli("import", data / "chatgpt_2023.json", "--index", index_path, "--quiet")
    path = make(tmp_path)
    result = cli("import", path, "--index", index_path)
    assert result.exit_code == 1
    assert result.stderr == f"error: {message.format(p=path)}\n"
    assert result.stdout == ""
    stats = json.loads(cli("stats", "--index", index_path, "--json").stdout)
    assert (stats["conversations"], stats["messages"]) == (2, 9)


def _file(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    (path / "notes.txt").write_text("nothing here")
    return path


def test_one_bad_path_among_good_ones_imports_nothing(
    cli, data: Path, tmp_path: Path, index_path: Path
) -> None:
    result = cli("import", data / "chatgpt_2023.json", tmp_path / "typo.json", "--index", index_path)
    assert result.exit_code == 1
    assert result.stderr == f"error: {tmp_path / 'typo.json'}: no such file or directory\n"
    assert not index_path.exists()


def test_stats_without_an_index(cli, index_path: Path) -> None:
    result = cli("stats", "--index", index_path)
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: no index at {index_path} yet; run `chatdex import <export.zip>` first\n",
    )


def test_reindex_from_the_cli(cli, data: Path, index_path: Path) -> None:
    cli("import", data / "chatgpt_2026", "--index", index_path, "--quiet")
    result = cli("reindex", "--index", index_path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["conversations_new"] == 4


def test_reindex_reads_each_export_as_it_was_last_imported(cli, data: Path, index_path: Path) -> None:
    path = data / "chatgpt_2024.json"
    forced = json.loads(cli("import", path, "--format", "claude", "--index", index_path, "--json").stdout)
    assert forced["conversations_new"] == 0 and forced["conversations_skipped"] > 0
    again = json.loads(cli("import", path, "--index", index_path, "--json").stdout)
    assert again["conversations_new"] > 0
    # The later import, without --format, is the one reindex repeats.
    rebuilt = json.loads(cli("reindex", "--index", index_path, "--json").stdout)
    assert (rebuilt["conversations_new"], rebuilt["conversations_skipped"]) == (again["conversations_new"], 0)


def test_reindex_keeps_the_index_when_the_rebuild_would_lose_conversations(
    cli, data: Path, tmp_path: Path, index_path: Path
) -> None:
    export = tmp_path / "conversations.json"
    export.write_bytes((data / "chatgpt_2024.json").read_bytes())
    imported = json.loads(cli("import", export, "--index", index_path, "--json").stdout)["conversations_new"]
    export.write_text("[]")  # the recorded export was overwritten with an empty one
    result = cli("reindex", "--index", index_path)
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: the rebuild read 0 conversations where the index holds {imported:,} (0 skipped); the index "
        "was left as it was. Have the exports it recorded changed? Import them again instead\n"
    )
    stats = json.loads(cli("stats", "--index", index_path, "--json").stdout)
    assert stats["conversations"] == imported
    assert not index_path.with_name("index.rebuild").exists()


def test_demo_imports_the_bundled_archive(cli) -> None:
    result = cli("demo")
    assert result.exit_code == 0
    out = result.stdout
    # Twelve ChatGPT conversations and two Claude ones, searched together.
    assert "conversations  14 new · 0 updated · 0 unchanged · 0 skipped" in out
    assert "conversations  0 new · 0 updated · 14 unchanged · 0 skipped" in out
    assert "14 conversations, 72 messages" in out
    assert "chatgpt  65\nclaude    7\n" in out
    assert "https://claude.ai/chat/c1a0de00-0001-4000-8000-000000000001" in out
    assert "chatdex import ~/Downloads/<your-export>.zip" in out


def test_help_lists_every_command(cli) -> None:
    out = cli("--help").stdout
    for command in ("import", "stats", "reindex", "demo"):
        assert command in out


def test_paging_past_the_last_result_says_so(cli, data: Path, index_path: Path) -> None:
    cli("import", data / "chatgpt_2024.json", "--index", index_path, "--quiet")
    assert cli("search", "the", "--index", index_path).stdout
    result = cli("search", "the", "--offset", "500", "--index", index_path)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0,
        "",
        "No more results for 'the' after the first 500.\n",
    )


def test_open_says_why_a_self_hosted_conversation_has_no_link(cli, data: Path, index_path: Path) -> None:
    cli("import", data / "librechat" / "Weather haiku.json", "--index", index_path, "--quiet")
    found = json.loads(cli("search", "haiku", "--index", index_path, "--json").stdout.splitlines()[0])
    result = cli("open", found["conversation_id"], "--index", index_path)
    assert (result.exit_code, result.stderr) == (
        1,
        "error: this conversation has no web address: self-hosted and local apps (Open WebUI, LibreChat, "
        f"SillyTavern) do not export one; `chatdex show {found['conversation_id']}` prints it here\n",
    )
