"""Gemini's activity log from Google Takeout: takeout.google.com -> "Deselect all" -> tick
"My Activity" -> "All activity data included" -> only "Gemini Apps" (the "Gemini" product
holds Gems and scheduled actions, not chats); "Multiple formats" picks JSON or HTML. The file
is Takeout/My Activity/Gemini Apps/MyActivity.json (or .html), names translated with the
account's language.

Every record is one prompt (title "Prompted ...") with Gemini's answer as HTML, several after
a regenerate, and a time; Bard's records have the same shape. Recent exports (seen in 2026)
link each prompt to its chat (gemini.google.com/app/<id>), and those are grouped by it; older
ones link none, so their records are grouped in time: a gap of more than 30 minutes starts a
conversation, named after the time of its first record. Feedback, draft choices and "Used ..."
records carry no words and are left out; a canvas keeps its text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from chatdex.errors import ExportFormatError
from chatdex.model import Conversation, Message, Skipped
from chatdex.sources.base import UNEXPECTED, Context, Parsed, Source
from chatdex.sources.gemini_page import Activity, activities, html_text, is_file, is_page
from chatdex.text import to_datetime
from chatdex.tree import Node, place

SOURCE = "gemini"
APP = "https://gemini.google.com/app"
GAP = timedelta(minutes=30)
MAX_RECORDS = 2_000_000  # a heavy user makes tens of thousands; all are held for the grouping

_GEMINI = re.compile(r"gemini|\bbard\b", re.IGNORECASE)
_CHAT = re.compile(r"gemini\.google\.com/(?:u/\d+/)?app/([0-9A-Za-z_-]{6,64})")
_PROMPT = re.compile(r"(?:Prompted|Branched)(?:[ \xa0]+|$)")
_CANVAS = re.compile(r"Created Gemini Canvas titled[ \xa0]*")
_ACTIVITY = re.compile(
    r"Gave feedback|Selected preferred draft|Cleared previous feedback|Answered survey|Used "
)
_ATTACHED = re.compile(r"\s*Attached \d+ files?\.\s*$")
_SPACES = re.compile(r"\s+")


@dataclass(slots=True)
class _Turn:
    """One record worth keeping: a prompt with its answers, or a canvas with its text."""

    when: datetime
    kind: str  # "prompt" or "canvas"
    text: str
    answers: list[str]
    attachments: list[str]
    chats: list[str]
    order: int
    shared: bool = False  # copied into a branch: the same turn may be in the chat it came from


def _classify(title: str, answered: bool) -> tuple[str, str] | None:
    """(kind, words) of a record, or None for activity without words. A title in another
    language has no English verb: a record with an answer was a prompt, and its verb (which
    the HTML page writes before a no-break space) is cut off."""
    if match := _PROMPT.match(title):
        return "prompt", _ATTACHED.sub("", title[match.end() :])
    if match := _CANVAS.match(title):
        return "canvas", title[match.end() :]
    if _ACTIVITY.match(title) or not answered:
        return None
    verb, space, rest = title.partition("\xa0")
    return "prompt", rest if space and len(verb) <= 40 else title


def _chats(links: Iterable[Any]) -> list[str]:
    found = [m.group(1) for link in links if isinstance(link, str) for m in _CHAT.finditer(link)]
    return list(dict.fromkeys(found))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _labels(record: dict[str, Any]) -> list[str]:
    values = [record.get("header"), *_list(record.get("products")), *_list(record.get("activityControls"))]
    return [v for v in values if isinstance(v, str) and v.strip()]


def is_record(record: Any) -> bool:
    """A My Activity record of Gemini (or Bard): never Search's or YouTube's, same shape."""
    if not isinstance(record, dict) or not isinstance(record.get("title"), str) or "time" not in record:
        return False
    labels = _labels(record)
    if labels:
        return any(_GEMINI.search(label) for label in labels)
    return _PROMPT.match(record["title"]) is not None


def _shown(text: str, limit: int = 60) -> str:
    """Text from a record as an error message quotes it: on one line, cut short."""
    return repr(text[:limit] + ("…" if len(text) > limit else ""))


def _json_turn(record: Any, order: int) -> _Turn | None:
    if not isinstance(record, dict):
        raise ExportFormatError(f"a record is {type(record).__name__}, not an object")
    labels = _labels(record)
    if labels and not any(_GEMINI.search(label) for label in labels):
        raise ExportFormatError(f"an activity record of another product ({_shown(labels[0])})")
    title = record.get("title")
    if not isinstance(title, str):
        raise ExportFormatError("a record has no title")
    items = _list(record.get("safeHtmlItem"))
    answers = [html_text(i["html"]) for i in items if isinstance(i, dict) and isinstance(i.get("html"), str)]
    answers = [answer for answer in answers if answer]
    found = _classify(title.strip(), bool(answers))
    if found is None:
        return None
    when = to_datetime(record.get("time"))
    if when is None:
        raise ExportFormatError("a record has no usable time")
    subtitles = [
        s for s in _list(record.get("subtitles")) if isinstance(s, dict) and isinstance(s.get("name"), str)
    ]
    # Attached files are subtitles linking to a file beside the page, named as sent.
    files = [s["name"].lstrip("- \xa0") for s in subtitles if is_file(s.get("url"))]
    if not files:
        stored = [*_list(record.get("attachedFiles")), record.get("imageFile")]
        files = [f if isinstance(f, str) else f.get("name") for f in stored if isinstance(f, str | dict)]
    kind, words = found
    if kind == "canvas":
        extra = [record.get("description"), *(s["name"] for s in subtitles if not s.get("url"))]
        answers += [e.strip() for e in extra if isinstance(e, str) and e.strip()]
    details = [
        d.get(key) for d in _list(record.get("details")) if isinstance(d, dict) for key in ("url", "name")
    ]
    chats = _chats([record.get("titleUrl"), *details])
    names = list(dict.fromkeys(f.strip() for f in files if isinstance(f, str) and f.strip()))
    shared = len(chats) > 1 or title.startswith("Branched")
    return _Turn(when, kind, words.strip(), answers, names, chats, order, shared)


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return _read(records, _json_turn, context, "record")


def read_html(raw: IO[bytes], context: Context) -> Iterator[Parsed]:
    return _read(activities(raw, context.name), _page_turn, context, "activity")


def _read(
    items: Iterable[Any], convert: Callable[[Any, int], _Turn | None], context: Context, noun: str
) -> Iterator[Parsed]:
    """Every record is read before any conversation is made: the file's order is not the
    conversations' order."""
    turns: list[_Turn] = []
    for number, item in enumerate(items, start=1):
        if number > MAX_RECORDS:
            raise ExportFormatError(
                f"{context.name}: more than {MAX_RECORDS:,} activity records, more than a real export holds"
            )
        if isinstance(item, Skipped):
            yield item
            continue
        try:
            turn = convert(item, number)
        except ExportFormatError as error:
            yield Skipped(f"{context.name}: {noun} {number}", str(error))
            continue
        except UNEXPECTED as error:
            yield Skipped(
                f"{context.name}: {noun} {number}", f"unexpected data ({type(error).__name__}: {error})"
            )
            continue
        if turn is not None:
            turns.append(turn)
    yield from _conversations(turns, context.account)


def _page_turn(activity: Activity, order: int) -> _Turn | None:
    if activity.header and not _GEMINI.search(activity.header):
        raise ExportFormatError(f"an activity record of another product ({_shown(activity.header)})")
    found = _classify(activity.title, bool(activity.answer))
    if activity.when is None:
        if found is None and _ACTIVITY.match(activity.title):
            return None
        raise ExportFormatError("no date chatdex can read (a page in another language? export JSON)")
    if found is None:
        return None
    kind, words = found
    answers = [activity.answer] if activity.answer else []
    if kind == "canvas":
        answers = [*activity.notes, *answers]
    else:  # lines of a prompt written with breaks, but not the page's "Attached 2 files."
        words = "\n".join(line for line in (words, *activity.notes) if _ATTACHED.sub("", line))
    chats = _chats(activity.caption)
    shared = len(chats) > 1 or activity.title.startswith("Branched")
    return _Turn(activity.when, kind, words.strip(), answers, activity.files, chats, order, shared)


def _content(turn: _Turn) -> tuple[Any, ...]:
    return (turn.kind, turn.text, turn.answers, turn.attachments, turn.chats, turn.shared)


def _conversations(turns: list[_Turn], account: str) -> Iterator[Conversation]:
    # Records of the same millisecond go by what they say, not where the file lists them: the
    # first is "<ms>", the next "<ms>~2", whatever the order of the file.
    turns.sort(key=lambda turn: (turn.when, _content(turn), turn.order))
    by_chat: dict[str, list[_Turn]] = {}
    runs: list[list[_Turn]] = []
    for turn in turns:
        for chat in turn.chats:
            by_chat.setdefault(chat, []).append(turn)
        if turn.chats:
            continue
        if runs and turn.when - runs[-1][-1].when <= GAP:
            runs[-1].append(turn)
        else:
            runs.append([turn])
    groups = [(chat, f"{APP}/{chat}", group) for chat, group in by_chat.items()]
    groups += [(f"gemini-{_ms(run[0].when)}", APP, run) for run in runs]
    for conv_id, url, group in sorted(groups, key=lambda g: (g[2][0].when, g[0])):
        conversation = _conversation(conv_id, url, group, account)
        if conversation.messages:
            yield conversation


def _ms(when: datetime) -> int:
    return (when - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _conversation(conv_id: str, url: str, group: list[_Turn], account: str) -> Conversation:
    nodes: list[Node[Message]] = []
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    used: dict[int, int] = {}
    tail: str | None = None
    for turn in group:
        fingerprint = (turn.kind, turn.text, tuple(turn.answers))
        if turn.shared and fingerprint in seen:
            continue  # a branch lists the turns it copied from the chat it branched off
        seen.add(fingerprint)
        ms = _ms(turn.when)
        used[ms] = used.get(ms, 0) + 1
        key = f"{ms}" if used[ms] == 1 else f"{ms}~{used[ms]}"
        if turn.kind == "canvas":
            text = "\n\n".join(part for part in (turn.text, *turn.answers) if part)
            tail = _add(nodes, f"{key}:c", tail, turn, "assistant", text, "canvas")
            continue
        prompt = _add(nodes, f"{key}:q", tail, turn, "user", turn.text, "text", turn.attachments)
        tail = prompt
        for index, answer in enumerate(turn.answers):
            # Regenerated answers are siblings; the last one listed is the newest.
            tail = _add(nodes, f"{key}:a{index}", prompt, turn, "assistant", answer, "text")
    messages: list[Message] = []
    for placed in place(nodes, tail, lambda n: bool(n.payload.text or n.payload.attachments)):
        message = placed.node.payload
        message.parent_id, message.position = placed.parent, placed.position
        message.on_current_branch = placed.on_current_branch
        messages.append(message)
    first = next((t.text for t in group if t.kind == "prompt" and t.text), None) or group[0].text
    return Conversation(
        source=SOURCE,
        id=conv_id,
        title=_title(first),
        messages=messages,
        account=account,
        created=group[0].when,
        updated=group[-1].when,
        url=url,
    )


def _add(
    nodes: list[Node[Message]],
    node_id: str,
    parent: str | None,
    turn: _Turn,
    role: str,
    text: str,
    kind: str,
    attachments: list[str] | None = None,
) -> str:
    message = Message(
        node_id, parent, role, text, kind, created=turn.when, attachments=list(attachments or [])
    )
    nodes.append(Node(node_id, parent, turn.when.timestamp(), message))
    return node_id


def _title(text: str, limit: int = 80) -> str:
    text = _SPACES.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else text[:limit]).rstrip(" ,.;:") + "…"


FORMAT = Source(
    name=SOURCE, label="Gemini", detect=is_record, read=read, detect_html=is_page, read_html=read_html
)
