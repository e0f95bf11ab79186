"""The command line. Each command parses its options, calls one core function and renders
what it returns; chatdex's own errors become one line on stderr and exit code 1. Core
modules are imported inside the commands so that `--help` and small commands start fast."""

# No `from __future__ import annotations` here: typer would evaluate every option's string
# annotation again on each start (~8 ms of `chatdex search`).
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="chatdex",
    help="Search every AI chat you ever had: import your ChatGPT, Claude, Gemini, DeepSeek, Grok, "
    "Open WebUI, LibreChat and SillyTavern exports into a local full-text index, then `chatdex search`.",
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
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="A conversation id, or its first characters.")]
# Spelled out here so that `--help` need not import the parsers; a test keeps it in step.
FORMATS = "chatgpt, claude, gemini, deepseek, grok, openwebui, librechat, sillytavern"
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
            help="Export ZIPs as downloaded, unzipped export folders, or single export files "
            "(conversations.json, chat.html, MyActivity.json, prod-grok-backend.json, .jsonl, ...).",
            show_default=False,
        ),
    ],
    index: IndexOption = None,
    export_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Read every file as this format instead of detecting it: " + FORMATS + ".",
            show_default=False,
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar, no summary.")] = False,
    as_json: JsonOption = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait for another import holding the index to finish.", min=0)
    ] = 0.0,
    batch_messages: Annotated[int | None, typer.Option(hidden=True, min=1)] = None,
) -> None:
    """Import exports into the index. Re-importing is safe: unchanged conversations are
    skipped, changed ones replaced, and conversations missing from a newer export stay."""
    from chatdex import render, terminal
    from chatdex.importer import BATCH_MESSAGES, import_exports
    from chatdex.paths import index_dir

    with _user_errors():
        location = index_dir(index)
        err = terminal.stderr()
        progress = render.ImportProgress(err) if err.is_terminal and not quiet else None
        summary = import_exports(
            paths,
            location,
            progress,
            batch_messages=batch_messages or BATCH_MESSAGES,
            wait_seconds=wait,
            forced_format=export_format,
        )
        if as_json:
            _print_json({**summary.to_dict(), "index": str(location)})
            return
        if not quiet:
            render.warnings(err, summary.warnings)
            render.import_summary(terminal.stdout(), summary, str(location))


@app.command()
def stats(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """What the index holds: conversations, messages, by source, role, model and year."""
    from chatdex import render, terminal
    from chatdex.paths import index_dir
    from chatdex.stats import index_stats

    with _user_errors():
        data = index_stats(index_dir(index))
        if as_json:
            _print_json(data)
        else:
            render.stats(terminal.stdout(), data)


SEARCH_HELP = """Search your conversations. Prints the best message of each matching conversation.

[bold]Syntax[/]

  words            all must match:  [cyan]helm rollback[/]
  "a phrase"       those words in that order:  [cyan]"crème brûlée"[/]
  OR               either side:  [cyan]helm OR kubectl[/]
  -word            must not match:  [cyan]rollback -helm[/]
  ( )              grouping:  [cyan](helm OR kubectl) rollback[/]
  word*            words starting with it:  [cyan]kube*[/]
  title: text:     only in titles, only in message text
  role: model: source: visibility: type: conversation:    exact values:  [cyan]role:user model:gpt-4o[/]
  after: before:   dates, inclusive, like --since/--until:  [cyan]after:2024-01 before:2024-06[/]

Case and accents do not matter (zurich finds Zürich); a Chinese, Japanese or Korean word is
matched as its characters in order; camelCase and snake_case identifiers match whole or by parts.

Dates are YYYY, YYYY-MM or YYYY-MM-DD in your local time zone, or a time ago: 7d, 2w, 3m, 1y.

By default only what you saw is searched: your prompts, the answers, code shown. Messages on
every branch (edited prompts, regenerated answers) are included; --current-branch leaves them
out. --include-hidden adds reasoning, tool output and custom instructions."""


@app.command(help=SEARCH_HELP)
def search(
    query: Annotated[
        str, typer.Argument(help="What to look for (see the syntax above).", show_default=False)
    ],
    role: Annotated[
        list[str] | None,
        typer.Option("--role", help="Only messages by this role (user, assistant, ...); repeatable."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Only messages from this model, e.g. gpt-4o.")] = None,
    source: Annotated[str | None, typer.Option(help="Only this provider, e.g. chatgpt.")] = None,
    conversation: Annotated[
        str | None,
        typer.Option("--conversation", help="Only this conversation (an id or its first characters)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="From this date on (inclusive): 2024, 2024-03, 2024-03-15, 7d, 3m, 1y.")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Up to this date (inclusive), same forms as --since.")
    ] = None,
    fuzzy: Annotated[
        bool, typer.Option("--fuzzy", help="Tolerate typos (1 edit in short words, 2 in long ones).")
    ] = False,
    current_branch: Annotated[
        bool, typer.Option("--current-branch", help="Only the branch each conversation shows now.")
    ] = False,
    include_hidden: Annotated[
        bool, typer.Option("--include-hidden", help="Also search reasoning, tool output and hidden context.")
    ] = False,
    sort: Annotated[str, typer.Option(help="relevance, newest or oldest.")] = "relevance",
    messages: Annotated[
        bool, typer.Option("--messages", help="List every matching message instead of one per conversation.")
    ] = False,
    limit: Annotated[int, typer.Option(help="How many results.")] = 10,
    offset: Annotated[int, typer.Option(help="Skip this many results (for paging).")] = 0,
    context: Annotated[
        int,
        typer.Option(help="Show N turns before and after each hit on its branch (default: the turn before)."),
    ] = 0,
    index: IndexOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON Lines, one hit per line (stable keys).")
    ] = False,
) -> None:
    from chatdex.paths import index_dir
    from chatdex.query import Filters
    from chatdex.search import SearchOptions
    from chatdex.search import search as run_search

    with _user_errors():
        options = SearchOptions(
            query=query,
            filters=Filters(
                roles=role or [],
                model=model,
                source=source,
                conversation=conversation,
                since=since,
                until=until,
                current_branch=current_branch,
                include_hidden=include_hidden,
            ),
            fuzzy=fuzzy,
            sort=sort,
            grouped=not messages,
            limit=limit,
            offset=offset,
            context=context,
            turn_before=not as_json,
        )
        found = run_search(index_dir(index), options)
        if not found and offset:
            print(f"No more results for {query!r} after the first {offset:,}.", file=sys.stderr)
            return
        if not found:
            print(
                f"No matches for {query!r}."
                + ("" if include_hidden else " (--include-hidden searches reasoning and tool output too)"),
                file=sys.stderr,
            )
            return
        if as_json:
            import orjson

            for hit in found:
                sys.stdout.write(orjson.dumps(hit.to_dict(with_context=context > 0)).decode() + "\n")
            return
        from chatdex import render_results
        from chatdex.styled import Writer

        render_results.hits(Writer(sys.stdout), found, offset)


@app.command()
def show(
    conversation_id: IdArgument,
    message: Annotated[
        str | None, typer.Option("--message", help="Highlight this message (id or prefix).")
    ] = None,
    all_branches: Annotated[
        bool, typer.Option("--all-branches", help="Every branch in reading order, not only the current one.")
    ] = False,
    include_hidden: Annotated[
        bool, typer.Option("--include-hidden", help="Also show reasoning, tool output and hidden context.")
    ] = False,
    index: IndexOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="The whole conversation as JSON.")] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="Plain Markdown, for saving or piping.")
    ] = False,
) -> None:
    """Show one conversation: its current branch in order, Markdown and code rendered."""
    from chatdex.conversation import load
    from chatdex.paths import index_dir

    with _user_errors():
        shown = load(index_dir(index), conversation_id)
        highlighted = next((m for m in shown.messages if message and m.message_id.startswith(message)), None)
        if message and highlighted is None:
            from chatdex.errors import InvalidQuery

            raise InvalidQuery(
                f"conversation {shown.conversation_id} has no message with an id starting {message!r}"
            )
        picked = [
            m
            for m in shown.messages
            if (all_branches or m.on_current_branch or m is highlighted)
            and (include_hidden or m.visibility == "seen" or m is highlighted)
        ]
        if as_json:
            data = shown.to_dict()
            data["messages"] = [m.to_dict() for m in picked]
            _print_json(data)
            return
        from chatdex import render_results

        if as_markdown:
            sys.stdout.write(render_results.markdown(shown, picked) + "\n")
            return
        from chatdex import terminal

        render_results.conversation(
            terminal.stdout(), shown, picked, highlighted.message_id if highlighted else None
        )


@app.command("open")
def open_command(
    conversation_id: IdArgument,
    index: IndexOption = None,
) -> None:
    """Open the conversation on the provider's website (prints the link where no browser is available)."""
    from chatdex.conversation import url_of
    from chatdex.paths import index_dir

    with _user_errors():
        url = url_of(index_dir(index), conversation_id)
        if url is None:
            from chatdex.errors import InvalidQuery

            raise InvalidQuery(
                "this conversation has no web address: self-hosted and local apps (Open WebUI, LibreChat, "
                f"SillyTavern) do not export one; `chatdex show {conversation_id}` prints it here"
            )
        import webbrowser

        if not webbrowser.open(url):
            print(url)


@app.command()
def reindex(index: IndexOption = None, as_json: JsonOption = False) -> None:
    """Rebuild the index from the exports it recorded (after an upgrade changed the schema).
    The old index is replaced only once the new one is complete."""
    from chatdex import render, terminal
    from chatdex.paths import index_dir
    from chatdex.rebuild import reindex as rebuild

    with _user_errors():
        location = index_dir(index)
        err = terminal.stderr()
        summary = rebuild(location, render.ImportProgress(err) if err.is_terminal else None)
        if as_json:
            _print_json({**summary.to_dict(), "index": str(location)})
        else:
            render.warnings(err, summary.warnings)
            render.import_summary(terminal.stdout(), summary, str(location))


@app.command()
def demo() -> None:
    """Import the small sample archive bundled with chatdex into a temporary index and show
    what is in it. Nothing is written outside a temporary folder."""
    from chatdex.demo import run_demo

    with _user_errors():
        run_demo()


if __name__ == "__main__":  # pragma: no cover
    app()
