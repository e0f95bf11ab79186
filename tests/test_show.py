"""`chatdex show` and `chatdex open` on every branch shape in the fixtures."""

from __future__ import annotations

import json
import webbrowser
from pathlib import Path

import pytest

from chatdex.importer import import_exports


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("show") / "index"
    data = Path(__file__).parent / "data"
    demo = Path(__file__).parents[1] / "src" / "chatdex" / "demo"
    import_exports(
        [data / n for n in ("chatgpt_2024.json", "chatgpt_2025.json", "chatgpt_2026", "malformed.json")]
        + [demo],
        path,
    )
    return path


def shown(cli, index: Path, *args: str) -> list[str]:
    result = cli("show", *args, "--index", index, "--json")
    assert result.exit_code == 0, result.stderr
    return [m["message_id"][:8] for m in json.loads(result.stdout)["messages"]]


@pytest.mark.parametrize(
    ("conversation", "current", "every"),
    [
        # an edited prompt and a regenerated answer; current_node on the original branch
        (
            "2024aaaa-0000-4000-8000-000000000001",
            ["2024a002", "2024a003", "2024a004", "2024a006", "2024a009", "2024a010"],
            [
                "2024a002",
                "2024a003",
                "2024a004",
                "2024a006",
                "2024a009",
                "2024a010",
                "2024a005",
                "2024a007",
                "2024a008",
            ],
        ),
        # current_node null: the newest leaf's branch
        ("2025aaaa-0000-4000-8000-000000000004", 5, 8),
        # 2026 shard without children: a regenerated answer, the conversation went on from the second
        ("2026aaaa-0000-4000-8000-000000000001", 4, 5),
        # a dangling current_node
        ("badaaaaa-0000-4000-8000-000000000002", 2, 3),
    ],
)
def test_current_branch_by_default_and_every_branch_on_request(
    cli, index: Path, conversation: str, current, every
) -> None:
    on_branch = shown(cli, index, conversation)
    all_of_it = shown(cli, index, conversation, "--all-branches")
    if isinstance(current, list):
        assert (on_branch, all_of_it) == (current, every)
    else:
        assert (len(on_branch), len(all_of_it)) == (current, every)
    assert set(on_branch) <= set(all_of_it)


def test_hidden_messages_need_include_hidden(cli, index: Path) -> None:
    conversation = "2025aaaa-0000-4000-8000-000000000001"
    assert len(shown(cli, index, conversation)) == 4
    assert len(shown(cli, index, conversation, "--include-hidden")) == 8


def test_a_unique_prefix_is_enough_and_an_ambiguous_one_is_explained(cli, index: Path) -> None:
    full = json.loads(cli("show", "de000001", "--index", index, "--json").stdout)
    assert full["conversation_id"] == "de000001-0000-4000-8000-000000000000"
    assert shown(cli, index, "de000001") == shown(cli, index, "de000001-0000-4000-8000-000000000000")
    result = cli("show", "2026aaaa", "--index", index)
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "error: '2026aaaa' matches 4 conversations (2026aaaa-0000-4000-8000-000000000001 (Terraform state lock);"
    )
    assert result.stderr.endswith("give more of the id\n")
    missing = cli("show", "nothing-like-it", "--index", index)
    assert (missing.exit_code, missing.stderr) == (
        1,
        "error: no conversation with an id starting 'nothing-like-it'; `chatdex search` shows ids\n",
    )


def test_the_given_message_is_highlighted_even_off_the_current_branch(cli, index: Path) -> None:
    ids = shown(cli, index, "2024aaaa-0000-4000-8000-000000000001", "--message", "2024a008")
    assert ids == ["2024a002", "2024a003", "2024a004", "2024a006", "2024a009", "2024a010", "2024a008"]
    out = cli(
        "show", "2024aaaa-0000-4000-8000-000000000001", "--message", "2024a008", "--index", index
    ).stdout
    assert "╭─ assistant ·" in out and "other branch" in out
    bad = cli("show", "2024aaaa-0000-4000-8000-000000000001", "--message", "zzz", "--index", index)
    assert (
        bad.stderr
        == "error: conversation 2024aaaa-0000-4000-8000-000000000001 has no message with an id starting 'zzz'\n"
    )


def test_markdown_output(cli, index: Path) -> None:
    out = cli("show", "2026aaaa-0000-4000-8000-000000000002", "--markdown", "--index", index).stdout
    lines = out.splitlines()
    assert lines[:4] == [
        "# Cascais low tide",
        "",
        "<https://chatgpt.com/c/2026aaaa-0000-4000-8000-000000000002>",
        "",
    ]
    assert lines[4].startswith("## user · ")
    assert "Low tide at Cascais on Saturday is at 06:42 and again at 19:05." in lines


def test_terminal_rendering_has_title_link_and_rendered_markdown(cli, index: Path) -> None:
    out = cli("show", "2024aaaa-0000-4000-8000-000000000003", "--index", index).stdout
    lines = out.splitlines()
    assert lines[0] == "Café à Zürich et sommeil 睡眠"
    assert lines[2] == "https://chatgpt.com/c/2024aaaa-0000-4000-8000-000000000003"
    assert "```" not in out  # code fences are rendered, not printed
    assert "def compute_sleep_debt(hours_slept, target_hours=8):" in out


def test_open_uses_the_browser_or_prints_the_link(cli, index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    result = cli("open", "2025aaaa-0000-4000-8000-000000000002", "--index", index)
    assert (result.exit_code, result.stdout, opened) == (
        0,
        "",
        ["https://chatgpt.com/g/g-abc123def/c/2025aaaa-0000-4000-8000-000000000002"],
    )
    monkeypatch.setattr(webbrowser, "open", lambda url: False)
    printed = cli("open", "2025aaaa-0000-4000-8000-000000000002", "--index", index)
    assert printed.stdout == "https://chatgpt.com/g/g-abc123def/c/2025aaaa-0000-4000-8000-000000000002\n"
