"""The command line. Each command parses its options, calls one core function and renders
what it returns; chatdex's own errors become one line on stderr and exit code 1. Core
modules are imported inside the commands so that `--help` and small commands start fast."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="chatdex",
    help="Search every AI chat you ever had: import your ChatGPT exports into a local full-text index.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)

IndexOption = Annotated[
    Path | None,
    typer.Option(
        "--index",
        help="The index folder. Default: $CHATDEX_HOME/index, else the user data folder "
        "(~/.local/share/chatdex/index on Linux).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON (stable keys).")]


@contextmanager
def _user_errors() -> Iterator[None]:
    from chatdex.errors import ChatdexError

    try:
        yield
    except ChatdexError as error:
        print(f"error: {error}", file=sys.stderr)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        print("interrupted; nothing after the last commit was kept", file=sys.stderr)
        raise typer.Exit(130) from None


def _print_json(data: object) -> None:
    import orjson

    sys.stdout.write(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode() + "\n")


@app.command("import")
def import_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Export ZIPs as downloaded, unzipped export folders, conversations.json, "
            "conversations-NNN.json shards or chat.html files.",
            show_default=False,
        ),
    ],
    index: IndexOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    as_json: JsonOption = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for another import holding the index to finish.", min=0)
    ] = 0.0,
    batch_messages: Annotated[int, typer.Option(hidden=True, min=1)] = 20_000,
) -> None:
    """Import exports into the index. Re-importing is safe: unchanged conversations are
    skipped, changed ones replaced, and conversations missing from a newer export stay."""
    from chatdex import render
    from chatdex.importer import import_exports
    from chatdex.paths import index_dir

    with _user_errors():
        location = index_dir(index)
        err = render.stderr()
        progress = render.ImportProgress(err) if err.is_terminal and not quiet else None
        summary = import_exports(paths, location, progress, batch_messages=batch_messages, wait_seconds=wait)
        if as_json:
            _print_json({**summary.to_dict(), "index": str(location)})
            return
        if not quiet:
            render.warnings(err, summary.warnings)
            render.import_summary(render.stdout(), summary, str(location))


@app.command()
def stats(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """What the index holds: conversations, messages, by source, role, model and year."""
    from chatdex import render
    from chatdex.paths import index_dir
    from chatdex.stats import index_stats

    with _user_errors():
        data = index_stats(index_dir(index))
        if as_json:
            _print_json(data)
        else:
            render.stats(render.stdout(), data)


@app.command()
def reindex(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Rebuild the index from the exports it recorded (after an upgrade changed the schema).
    The old index is replaced only once the new one is complete."""
    from chatdex import render
    from chatdex.paths import index_dir
    from chatdex.rebuild import reindex as rebuild

    with _user_errors():
        location = index_dir(index)
        err = render.stderr()
        summary = rebuild(location, render.ImportProgress(err) if err.is_terminal else None)
        if as_json:
            _print_json({**summary.to_dict(), "index": str(location)})
        else:
            render.import_summary(render.stdout(), summary, str(location))


@app.command()
def demo() -> None:
    """Import the small sample archive bundled with chatdex into a temporary index and show
    what is in it. Nothing is written outside a temporary folder."""
    from chatdex.demo import run_demo

    with _user_errors():
        run_demo()


if __name__ == "__main__":  # pragma: no cover
    app()
