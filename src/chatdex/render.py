"""Terminal output: the import progress bar and summary, the stats tables. Everything a
script might read goes through --json instead, printed by the CLI with stable keys."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from chatdex import importer

MAX_WARNINGS_SHOWN = 10


class ImportProgress(importer.Progress):
    """A bytes progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, console: Console) -> None:
        self._bar = Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TextColumn("{task.fields[conversations]:,} conversations"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self._task: TaskID | None = None

    def start(self, total_bytes: int) -> None:
        self._bar.start()
        self._task = self._bar.add_task("import", total=total_bytes or None, conversations=0)

    def advance(self, nbytes: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, nbytes)

    def conversation(self, summary: importer.ImportSummary) -> None:
        if self._task is not None:
            self._bar.update(
                self._task, conversations=summary.conversations_seen + summary.conversations_skipped
            )

    def stop(self) -> None:
        self._bar.stop()


def _size(nbytes: int) -> str:
    value = float(nbytes)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1000
    return f"{nbytes} B"


def warnings(console: Console, items: list[str]) -> None:
    for item in items[:MAX_WARNINGS_SHOWN]:
        console.print(f"[yellow]warning:[/] {item}", markup=True)
    if len(items) > MAX_WARNINGS_SHOWN:
        console.print(f"[yellow]warning:[/] ... and {len(items) - MAX_WARNINGS_SHOWN} more (see --json)")


def import_summary(console: Console, summary: importer.ImportSummary, index: str) -> None:
    rate = (
        f" ({summary.messages_indexed / summary.seconds:,.0f}/s)"
        if summary.seconds and summary.messages_indexed
        else ""
    )
    console.print(
        f"Imported {summary.files} file{'s' if summary.files != 1 else ''} ({_size(summary.bytes)}) "
        f"in {summary.seconds:.1f} s"
    )
    parts = [
        f"{summary.conversations_new:,} new",
        f"{summary.conversations_updated:,} updated",
        f"{summary.conversations_unchanged:,} unchanged",
    ]
    if summary.conversations_older:
        parts.append(f"{summary.conversations_older:,} older than indexed (kept the newer)")
    parts.append(f"{summary.conversations_skipped:,} skipped")
    console.print("  conversations  " + " · ".join(parts))
    console.print(f"  messages       {summary.messages_indexed:,} indexed{rate}")
    console.print(f"  index          {index}")


def _counts_table(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(justify="right")
    for key, value in counts.items():
        table.add_row(key or "(none)", f"{value:,}")
    return table


def stats(console: Console, data: dict[str, Any]) -> None:
    console.print(f"[bold]{data['conversations']:,}[/] conversations, [bold]{data['messages']:,}[/] messages")
    if data["first_date"]:
        console.print(f"from {data['first_date'][:10]} to {data['last_date'][:10]}")
    console.print(
        f"index {data['index']} · {_size(data['index_bytes'])} · schema version {data['schema_version']}"
    )
    for title, key in (
        ("by source", "by_source"),
        ("by role", "by_role"),
        ("by model", "by_model"),
        ("by visibility", "by_visibility"),
        ("by year", "by_year"),
    ):
        if data[key]:
            console.print()
            console.print(_counts_table(title, data[key]))
