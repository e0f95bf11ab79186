"""SillyTavern chat files: JSON Lines, one file per chat.

Where they are: `data/<user>/chats/<character>/<chat name>.jsonl` for one character and
`data/<user>/group chats/<chat id>.jsonl` for group chats (before 1.12 the user folder was
`public/chats/...`). A single chat can also be downloaded from the app: the chat menu ->
Manage chat files -> the export button next to a chat -> "jsonl" (the same bytes). The
"Export to Tavern" of the ChatGPT Exporter extension writes the same format.

The first line is a header: `{user_name, character_name, create_date, chat_metadata}` in
older versions, `{chat_metadata, user_name: "unused", character_name: "unused"}` in newer
ones, none at all in group chats of 2023. Every other line is one message: `name`,
`is_user`, `is_system`, `send_date`, `mes`, `swipes` (the alternatives the person swiped
through, `swipe_id` the one shown), `swipe_info` and `extra` (`reasoning`, `api`, `model`,
`type`, `display_text`, files and images).

A whole file is one conversation. Its id is the chat's name (the file name, which the app
uses as the chat's identity) after the character's name: a branch or checkpoint copies its
parent's header, `create_date` included, so that date cannot tell them apart. The character
comes from the folder, the header or the file name, never from the messages, so a chat
keeps its id as it grows; a group chat's id is "group/<file name>"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatdex.errors import ExportFormatError
from chatdex.model import Conversation, Message, Skipped, Visibility
from chatdex.sources.base import UNEXPECTED, Context, Parsed, Source, keys_of, or_skipped, text_or_none
from chatdex.text import to_datetime
from chatdex.tree import Node, place

SOURCE = "sillytavern"
_PLACEHOLDER_NAMES = ("", "unused")
_SYSTEM_NAME = "SillyTavern System"
# extra.type of the app's own notices (help, welcome, "no one hears you", ...) and of
# /comment notes: shown in the chat but never part of the story. Narration (/sys, type
# "narrator") is part of the story and is sent to the model.
_NOTICES = frozenset(
    {
        "help",
        "welcome",
        "empty",
        "generic",
        "comment",
        "slash_commands",
        "formatting",
        "hotkeys",
        "macros",
        "welcome_prompt",
        "assistant_note",
        "assistant_message",
        "group",  # the rest: 2023 versions
        "bookmark_created",
        "bookmark_back",
    }
)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# "June 19, 2023 2:20pm": send_date until ISO 8601 replaced it; English month names in every locale.
_MERIDIEM = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),\s*(\d{4})\s+(\d{1,2}):(\d{2})\s*([ap]m)", re.I)
# "2024-07-12@01h31m37s123ms", "2024-7-2@01h31m37s", "2023-6-5 @14h 56m 50s 682ms": create_date
# and file names.
_HUMANIZED = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})\s*@\s*(\d{1,2})h\s*(\d{1,2})m\s*(\d{1,2})s(?:\s*(\d{1,3})ms)?"
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# "Aqua - 2023-6-19 @16h 13m 07s 512ms": the name the app gives a new chat. Branches and
# checkpoints are "Branch #2 - <date>" and "Checkpoint #1 - <date>": not a character.
_NAMED_CHAT = re.compile(r"(.+?)\s+-\s+\d{4}-\d{1,2}-\d{1,2}\s*@")
_BRANCH = re.compile(r"(?:branch|checkpoint)\s*#\s*\d+", re.I)


@dataclass(slots=True)
class _Spec:
    """One message to be, before the tree places it."""

    role: str
    text: str
    content_type: str
    visibility: Visibility
    author: str | None
    created: datetime | None
    model: str | None = None
    attachments: list[str] = field(default_factory=list)


def is_chat_line(record: Any) -> bool:
    """A SillyTavern header, or a message when the file has no header (old group chats)."""
    if not isinstance(record, dict):
        return False
    keys = keys_of(record)
    return (
        {"user_name", "character_name"} <= keys
        or isinstance(record.get("chat_metadata"), dict)
        or ("mes" in keys and "is_user" in keys)
    )


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    header: dict[str, Any] | None = None
    nodes: list[Node[_Spec]] = []
    count = 0  # messages so far: the number SillyTavern shows as #N
    previous: str | None = None  # the shown message before this one
    for number, record in enumerate(records, start=1):
        if isinstance(record, Skipped):  # a damaged line
            yield record
            continue
        where = f"{context.name}: line {number}"
        if not isinstance(record, dict):
            yield Skipped(where, f"a line is {type(record).__name__}, not an object")
            continue
        if header is None and count == 0 and "mes" not in record and is_chat_line(record):
            header = record
            continue
        index, count = count, count + 1
        added = or_skipped(where, _line, index, record, previous)
        if isinstance(added, Skipped):
            yield added
            continue
        nodes.extend(added)
        previous = str(index)
    if header is None and not nodes:
        return
    try:
        yield _conversation(header or {}, nodes, previous, context)
    except UNEXPECTED as error:
        yield Skipped(context.name, f"unexpected data ({type(error).__name__}: {error})")


def _line(index: int, record: dict[str, Any], previous: str | None) -> list[Node[_Spec]]:
    """The shown message of one line (after its reasoning), and the swipes it was chosen
    from as siblings off the branch."""
    if "mes" not in record:
        raise ExportFormatError("a line is neither the header nor a message (it has no 'mes')")
    text = _text(record.get("mes"))
    if text is None:
        raise ExportFormatError(f"a message's 'mes' is {type(record['mes']).__name__}, not text")
    shown = text.strip()
    extra = _dict(record.get("extra"))
    display = text_or_none(extra.get("display_text"))
    if display and display.strip() != text.strip():
        # What the app showed (a translation, say) first, then what the model got.
        text = f"{display.strip()}\n\n{text.strip()}"
    name = text_or_none(record.get("name"))
    role, visibility, content_type = _kind(record, extra, name)
    created = parse_date(record.get("send_date")) or parse_date(record.get("gen_finished"))
    spec = _Spec(
        role,
        text.strip(),
        content_type,
        visibility,
        name,
        created,
        _model(extra) if role == "assistant" else None,
        _attachments(extra),
    )
    own = str(index)
    nodes = _with_reasoning(own, spec, extra, previous)

    swipes = record.get("swipes")
    if isinstance(swipes, list) and len(swipes) > 1:
        chosen = record.get("swipe_id")
        chosen = chosen if isinstance(chosen, int) and not isinstance(chosen, bool) else None
        infos = record.get("swipe_info")
        infos = infos if isinstance(infos, list) else []
        spare_duplicate = chosen is None or not 0 <= chosen < len(swipes)
        for n, swipe in enumerate(swipes):
            swipe_text = _text(swipe)
            if n == chosen or not swipe_text or not swipe_text.strip():
                continue
            if spare_duplicate and swipe_text.strip() == shown:
                spare_duplicate = False  # without a valid swipe_id, the one equal to mes is shown
                continue
            info = _dict(infos[n]) if n < len(infos) else {}
            info_extra = _dict(info.get("extra"))
            alternative = _Spec(
                role,
                swipe_text.strip(),
                content_type,
                visibility,
                name,
                parse_date(info.get("send_date")) or parse_date(info.get("gen_finished")) or created,
                (_model(info_extra) or spec.model) if role == "assistant" else None,
            )
            nodes.extend(_with_reasoning(f"{own}:swipe:{n}", alternative, info_extra, previous))
    return nodes


def _with_reasoning(
    node_id: str, spec: _Spec, extra: dict[str, Any], parent: str | None
) -> list[Node[_Spec]]:
    when = spec.created.timestamp() if spec.created else None
    reasoning = text_or_none(extra.get("reasoning"))
    if reasoning is None or not reasoning.strip():
        return [Node(node_id, parent, when, spec)]
    thought = _Spec(
        spec.role, reasoning.strip(), "reasoning", Visibility.REASONING, spec.author, spec.created, spec.model
    )
    return [
        Node(f"{node_id}:reasoning", parent, when, thought),
        Node(node_id, f"{node_id}:reasoning", when, spec),
    ]


def _kind(record: dict[str, Any], extra: dict[str, Any], name: str | None) -> tuple[str, Visibility, str]:
    """Role, visibility and content type. `is_system` means "left out of what the model is
    sent": the app's notices and /comment notes, but also any message the person hid with
    the eye button or /hide, which stays in the chat they read and keeps its speaker."""
    kind = text_or_none(extra.get("type"))
    hidden_from_model = record.get("is_system") is True
    if record.get("is_user") is True:
        return "user", Visibility.SEEN, "hidden_from_ai" if hidden_from_model else "text"
    if kind == "narrator":
        return "system", Visibility.SEEN, "narrator"
    app_notice = kind is not None or name == _SYSTEM_NAME or extra.get("uses_system_ui") is True
    if kind in _NOTICES or (hidden_from_model and app_notice):
        return "system", Visibility.HIDDEN, kind or "notice"
    return "assistant", Visibility.SEEN, "hidden_from_ai" if hidden_from_model else "text"


def _conversation(
    header: dict[str, Any], nodes: list[Node[_Spec]], current: str | None, context: Context
) -> Conversation:
    messages: list[Message] = []
    for placed in place(nodes, current, lambda n: bool(n.payload.text or n.payload.attachments)):
        spec = placed.node.payload
        messages.append(
            Message(
                id=placed.node.id,
                parent_id=placed.parent,
                role=spec.role,
                text=spec.text,
                content_type=spec.content_type,
                author_name=spec.author,
                created=spec.created,
                position=placed.position,
                on_current_branch=placed.on_current_branch,
                visibility=spec.visibility,
                model=spec.model,
                attachments=spec.attachments,
            )
        )
    speakers: list[str] = []
    for node in nodes:
        author = node.payload.author
        if node.payload.role == "assistant" and author and author not in speakers:
            speakers.append(author)
    stem = _stem(context.name)
    character = _character(header, context.name, stem)
    dates = [m.created for m in messages if m.created]
    models = [m.model for m in messages if m.model and m.on_current_branch] or [
        m.model for m in messages if m.model
    ]
    return Conversation(
        source=SOURCE,
        id=_conversation_id(character, stem, group=not header or _in_group_folder(context.name)),
        title=_title(stem, character or (speakers[0] if speakers else None), speakers),
        messages=messages,
        account=context.account,
        created=parse_date(header.get("create_date")) or (min(dates) if dates else None),
        updated=max(dates) if dates else None,
        model=models[-1] if models else None,
    )


def _character(header: dict[str, Any], name: str, stem: str) -> str | None:
    """The character a chat belongs to, from where the file is and what it is called, never
    from its messages, which change as the chat grows or is edited: the folder
    `chats/<character>/` the app keeps it in, else the header's `character_name` (before
    2025), else the "<character> - <date>" the app names a new chat with."""
    folders = _folders(name)
    if len(folders) >= 2 and folders[-2].lower() == "chats" and folders[-1].strip():
        return folders[-1]
    named = text_or_none(header.get("character_name"))
    if named and named.strip() not in _PLACEHOLDER_NAMES:
        return named
    match = _NAMED_CHAT.match(stem)
    if match and not _BRANCH.fullmatch(match.group(1)):
        return match.group(1)
    return None


def _conversation_id(character: str | None, stem: str, group: bool) -> str:
    if character:
        return f"{character}/{stem}"
    # A group chat's file is named by a number or a date only; its speakers come and go.
    return f"group/{stem}" if group else stem


def _in_group_folder(name: str) -> bool:
    folders = _folders(name)
    return bool(folders) and folders[-1].lower() == "group chats"


def _folders(name: str) -> list[str]:
    """The folders a file is in, from its display name: a path, or "<zip path>:<member
    path>", where only the member's own folders count (not a Windows drive's "C:")."""
    head, colon, member = name.rpartition(":")
    return re.split(r"[/\\]", member if colon and len(head) > 1 else name)[:-1]


def _title(stem: str, character: str | None, speakers: list[str]) -> str:
    if len(speakers) > 1:  # a group chat: its file is named by date only
        shown = ", ".join(speakers[:3]) + (", ..." if len(speakers) > 3 else "")
        return f"{shown} — {stem}"
    if character and not stem.startswith(character):
        return f"{character} — {stem}"
    return stem


def _stem(name: str) -> str:
    """The chat's name: the file name without its folders (or ZIP) and without .jsonl."""
    base = re.split(r"[/\\:]", name)[-1]
    return re.sub(r"\.jsonl?$", "", base, flags=re.I) or base or "chat"


def _text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        return value["message"]  # Chub's chats, which SillyTavern flattens on import
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _model(extra: dict[str, Any]) -> str | None:
    model = text_or_none(extra.get("model"))
    api = text_or_none(extra.get("api"))
    return model or (api if api != "manual" else None)


def _attachments(extra: dict[str, Any]) -> list[str]:
    names: list[str] = []
    files = extra.get("files") if isinstance(extra.get("files"), list) else [extra.get("file")]
    for item in files:
        if isinstance(item, dict) and text_or_none(item.get("name")):
            names.append(item["name"])
    media = extra.get("media") if isinstance(extra.get("media"), list) else [extra.get("image")]
    for item in media:
        url = item.get("url") if isinstance(item, dict) else item
        if isinstance(url, str) and url.strip():
            # An inline image is a data: URI, not a name.
            names.append("image" if url.startswith("data:") else re.split(r"[/\\]", url.rstrip("/"))[-1])
    return [name for name in names if name]


def parse_date(value: Any) -> datetime | None:
    """Every date format SillyTavern has written, read the same in every locale: epoch
    milliseconds (TavernAI, imports), epoch seconds (ChatGPT Exporter's Tavern files),
    ISO 8601 (2025 on), "June 19, 2023 2:20pm" and the humanized "2024-7-12@01h31m37s".
    Dates written without a zone are taken as UTC. Anything else: None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        value = float(value)
    if isinstance(value, int | float):
        try:
            return to_datetime(value / 1000 if abs(value) >= 1e11 else value)
        except OverflowError:  # an integer too large for a float
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    iso = to_datetime(value.strip())
    if iso is not None:
        return iso
    try:
        if match := _MERIDIEM.search(value):
            month_name, day, year, hour, minute, meridiem = match.groups()
            month = next(n for n, full in enumerate(_MONTHS, 1) if full.startswith(month_name.lower()))
            hour24 = int(hour) % 12 + (12 if meridiem.lower() == "pm" else 0)
            parts = [int(year), month, int(day), hour24, int(minute), 0, 0]
        elif match := _HUMANIZED.search(value):
            *fields, millis = match.groups()
            parts = [int(part) for part in fields] + [int(millis or 0) * 1000]
        else:
            return None
        return to_datetime(datetime(*parts, tzinfo=UTC).isoformat())
    except (ValueError, StopIteration):  # a month name that is not one, February 30, hour 25
        return None


FORMAT = Source(name=SOURCE, label="SillyTavern", detect=is_chat_line, read=read)
