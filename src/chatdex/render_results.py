"""Terminal rendering of search hits (plain escape codes, see styled.py) and of one
conversation (rich, for its Markdown)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from chatdex.styled import Segment, Writer

if TYPE_CHECKING:
    from rich.console import Console

    from chatdex.conversation import ShownConversation, ShownMessage
    from chatdex.search import Hit, Turn

CONTEXT_CHARS = 160


def local_time(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else "undated"


def _one_line(text: str, limit: int = CONTEXT_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _turn(turn: Turn) -> list[Segment]:
    return [("   ", ""), (f"{turn.role}: ", "dim bold"), (_one_line(turn.text), "dim")]


def _highlighted(text: str, spans: list[tuple[int, int]]) -> list[Segment]:
    segments: list[Segment] = []
    at = 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        segments += [(text[at:start], ""), (text[start:end], "bold yellow")]
        at = end
    segments.append((text[at:], ""))
    return segments


def hits(out: Writer, found: list[Hit], offset: int = 0) -> None:
    for number, hit in enumerate(found, start=offset + 1):
        meta = [local_time(hit.created or hit.date), hit.source]
        if hit.model:
            meta.append(hit.model)
        out.line(
            f"{number}. ", (hit.title or "Untitled", "bold"), ("  " + " · ".join(meta), "dim"), link=hit.url
        )
        for turn in hit.before:
            out.line(*_turn(turn))
        snippet = " ".join(hit.snippet.split("\n"))
        out.line(("   ", ""), (f"{hit.role}: ", "bold"), *_highlighted(snippet, hit.highlights))
        for turn in hit.after:
            out.line(*_turn(turn))
        notes = []
        if hit.matches_in_conversation > 1:
            more = hit.matches_in_conversation - 1
            notes.append(f"+{more} more match{'es' if more > 1 else ''} in this conversation")
        if not hit.on_current_branch:
            notes.append("on another branch (an edited prompt or a regenerated answer)")
        notes.append(f"chatdex show {hit.conversation_id} --message {hit.message_id}")
        out.line(("   " + " · ".join(notes), "dim"))
        if hit.url:
            out.line((f"   {hit.url}", "dim"))
        out.line()


def _header(message: ShownMessage) -> str:
    parts = [message.role, local_time(message.created)]
    if message.model:
        parts.append(message.model)
    if message.visibility != "seen":
        parts.append(message.visibility)
    if not message.on_current_branch:
        parts.append("other branch")
    return " · ".join(parts)


def conversation(
    console: Console, shown: ShownConversation, messages: list[ShownMessage], highlight: str | None
) -> None:
    # Markdown rendering costs ~50 ms of imports that `chatdex search` does not need.
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.rule import Rule
    from rich.text import Text

    console.print(Text(shown.title or "Untitled", style="bold"))
    details = [f"{shown.source} · {shown.conversation_id}", local_time(shown.created)]
    if shown.model:
        details.append(shown.model)
    console.print(Text(" · ".join(details), style="dim"))
    if shown.url:
        console.print(Text(shown.url, style=f"link {shown.url}"))
    for message in messages:
        body = Group(
            Markdown(message.text or "_(no text)_"),
            *(
                [Text("attachments: " + ", ".join(message.attachments), style="dim")]
                if message.attachments
                else []
            ),
        )
        if highlight and message.message_id.startswith(highlight):
            console.print(Panel(body, title=_header(message), title_align="left", border_style="yellow"))
        else:
            console.print(Rule(_header(message), align="left", style="dim"))
            console.print(body)


def markdown(shown: ShownConversation, messages: list[ShownMessage]) -> str:
    lines = [f"# {shown.title or 'Untitled'}", ""]
    if shown.url:
        lines += [f"<{shown.url}>", ""]
    for message in messages:
        lines += [f"## {_header(message)}", "", message.text, ""]
        if message.attachments:
            lines += ["Attachments: " + ", ".join(message.attachments), ""]
    return "\n".join(lines)
