"""`chatdex demo`: the bundled sample exports (self-written: a ChatGPT export of twelve
conversations from 2023 to 2026 in five languages, and a Claude export of two), imported
into a temporary index."""

from __future__ import annotations

import tempfile
from importlib import resources
from pathlib import Path

from chatdex import render, render_results, terminal
from chatdex.importer import import_exports
from chatdex.query import Filters
from chatdex.search import SearchOptions, search
from chatdex.stats import index_stats
from chatdex.styled import Writer

# Each shows one thing a person can do: (command line shown, options)
EXAMPLES: list[tuple[str, SearchOptions]] = [
    ("chatdex search zurich", SearchOptions("zurich", limit=2)),
    (
        'chatdex search "helm rollback" --role assistant',
        SearchOptions('"helm rollback"', Filters(roles=["assistant"]), limit=1),
    ),
    ("chatdex search 睡眠", SearchOptions("睡眠", limit=1)),
    ("chatdex search camelcaseidentifier", SearchOptions("camelcaseidentifier", limit=1)),
    (
        "chatdex search sourdugh --fuzzy --since 2023 --until 2023",
        SearchOptions("sourdugh", Filters(since="2023", until="2023"), fuzzy=True, limit=1),
    ),
    (
        'chatdex search "borrow checker" --source claude',
        SearchOptions('"borrow checker"', Filters(source="claude"), limit=1),
    ),
]


def sample_export() -> Path:
    return Path(str(resources.files("chatdex.demo").joinpath("conversations.json")))


def sample_exports() -> list[Path]:
    """The ChatGPT sample and the Claude one (a folder, as its export unzips)."""
    return [sample_export(), Path(str(resources.files("chatdex.demo").joinpath("claude")))]


def run_demo() -> None:
    out = terminal.stdout()
    with tempfile.TemporaryDirectory(prefix="chatdex-demo-") as temp:
        index = Path(temp) / "index"
        exports = sample_exports()
        shown = " and ".join(str(path) for path in exports)
        out.print(f"[bold]chatdex demo[/]: importing the sample exports {shown}\n")
        summary = import_exports(exports, index)
        render.import_summary(out, summary, str(index))
        out.print("\n[bold]Importing the same exports again[/] changes nothing:")
        render.import_summary(out, import_exports(exports, index), str(index))
        out.print("\n[bold]What is in the index[/] (chatdex stats):\n")
        render.stats(out, index_stats(index))
        for command, options in EXAMPLES:
            out.print(f"\n[bold]$ {command}[/]\n", markup=True)
            options.turn_before = True
            render_results.hits(Writer(out.file), search(index, options))
    out.print(
        "Next: download your exports (ChatGPT: Settings → Data controls → Export data; Claude:\n"
        "Settings → Privacy → Export data; Gemini, DeepSeek, Grok and others: see the README) and run\n"
        "  chatdex import ~/Downloads/<your-export>.zip"
    )
