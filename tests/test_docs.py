"""The README is part of the product: its commands must be the ones CI runs and the CLI has."""

from __future__ import annotations

import re
from pathlib import Path

from chatdex.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second() -> None:
    demo, tests = _quick_start()
    assert demo.endswith("chatdex demo")
    assert tests in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_command_is_documented_in_the_readme() -> None:
    names = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback]
    assert sorted(names) == ["demo", "import", "open", "reindex", "search", "show", "stats"]
    for name in names:
        assert f"`chatdex {name}" in README, name


def test_schema_file_is_the_one_linked() -> None:
    assert (ROOT / "index_schema" / "schema.json").is_file()
    assert "index_schema/schema.json" in README


def test_the_search_example_in_the_readme_is_what_the_demo_prints(cli, local_zone) -> None:
    local_zone("UTC")
    out = cli("demo").stdout
    example = README.split("## Search", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    for line in example.splitlines()[1:]:
        assert line.removesuffix(" …") in out, line
