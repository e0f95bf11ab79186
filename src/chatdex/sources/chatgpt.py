"""ChatGPT's official export (Settings -> Data controls -> Export data), every era:
2023 (no conversation_id), 2024, 2025 (channels, thoughts, custom GPTs and projects) and the
2026 split shards, whose nodes have no `children` and whose keys are sorted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from chatdex.jsonstream import DepthGuard, ScriptJSON, iter_html_records
from chatdex.model import Conversation, Message, Visibility
from chatdex.sources.base import Context, Parsed, Source, an_id, an_object, each, optional_field, title_text
from chatdex.text import epoch, string_values, strip_citations, to_datetime
from chatdex.tree import Node, place

SOURCE = "chatgpt"

# Keys whose values are identifiers, pointers or styling, never words a person would search.
_NOISE_KEYS = frozenset(
    {
        "content_type",
        "asset_pointer",
        "url",
        "id",
        "source_analysis_msg_id",
        "computer_id",
        "tether_id",
        "language",
        "direction",
        "format",
        "mime_type",
        "size_bytes",
        "width",
        "height",
    }
)
_PLACEHOLDERS = {
    "image_asset_pointer": "[image]",
    "audio_asset_pointer": "[audio]",
    "real_time_user_audio_video_asset_pointer": "[video]",
    "video_container_asset_pointer": "[video]",
}
_SEEN_RECIPIENTS = ("all", "python")


def is_conversation(record: Any) -> bool:
    return (
        isinstance(record, dict) and "mapping" in record and ("id" in record or "conversation_id" in record)
    )


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return each(records, context, lambda record, ctx: parse_conversation(record, ctx.account))


def parse_conversation(record: Any, account: str = "") -> Conversation:
    record = an_object(record, "a conversation record")
    conv_id = an_id(record.get("conversation_id") or record.get("id"), "a conversation record")
    mapping = optional_field(record.get("mapping"), dict, f"conversation {conv_id}", "mapping")

    nodes: list[Node[dict[str, Any]]] = []
    for key, raw in mapping.items():
        if not isinstance(raw, dict):
            continue
        node_id = raw.get("id") if isinstance(raw.get("id"), str) else key
        message = raw.get("message")
        parent = raw.get("parent")
        created = epoch(message.get("create_time")) if isinstance(message, dict) else None
        nodes.append(Node(node_id, parent if isinstance(parent, str) else None, created, raw))

    gizmo = _str(record.get("gizmo_id"))
    default_model = _str(record.get("default_model_slug"))
    messages: list[Message] = []
    extracted: dict[str, Message] = {}
    for node in nodes:
        message = node.payload.get("message")
        if isinstance(message, dict):
            parsed = _message(node.id, message)
            if parsed is not None:
                extracted[node.id] = parsed

    current = record.get("current_node")
    for placed in place(nodes, current if isinstance(current, str) else None, lambda n: n.id in extracted):
        msg = extracted[placed.node.id]
        msg.parent_id = placed.parent
        msg.position = placed.position
        msg.on_current_branch = placed.on_current_branch
        messages.append(msg)

    models = [m.model for m in messages if m.model and m.role == "assistant"]
    title = record.get("title")
    return Conversation(
        source=SOURCE,
        id=conv_id,
        title=title_text(title),
        messages=messages,
        account=account,
        created=to_datetime(record.get("create_time")),
        updated=to_datetime(record.get("update_time")),
        model=default_model or (models[-1] if models else None),
        gizmo_id=gizmo,
        project_id=gizmo if gizmo and gizmo.startswith("g-p-") else None,
        url=_url(record, conv_id, gizmo),
    )


def _url(record: dict[str, Any], conv_id: str, gizmo: str | None) -> str:
    if "continue_conversation_url" in record or "linear_conversation" in record:
        # A shared link's page, saved by the ChatGPT Exporter extension: its id is the share's.
        return f"https://chatgpt.com/share/{conv_id}"
    return f"https://chatgpt.com/g/{gizmo}/c/{conv_id}" if gizmo else f"https://chatgpt.com/c/{conv_id}"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _message(node_id: str, message: dict[str, Any]) -> Message | None:
    author = message.get("author") if isinstance(message.get("author"), dict) else {}
    role = _str(author.get("role")) or "unknown"
    content = message.get("content") if isinstance(message.get("content"), dict) else {}
    content_type = _str(content.get("content_type")) or "unknown"
    metadata = message.get("metadata") if isinstance(message.get("metadata"), dict) else {}
    listed = metadata.get("attachments")
    attachments = [
        a["name"]
        for a in (listed if isinstance(listed, list) else [])
        if isinstance(a, dict) and isinstance(a.get("name"), str)
    ]
    text = strip_citations(_content_text(content_type, content)).strip()
    if not text and not attachments:
        return None
    return Message(
        id=node_id,  # what parent links name; the message's own id repeats it in every real export
        parent_id=None,
        role=role,
        text=text,
        content_type=content_type,
        author_name=_str(author.get("name")),
        created=to_datetime(message.get("create_time")),
        visibility=_visibility(role, author, content_type, message, metadata),
        model=_str(metadata.get("model_slug")),
        attachments=attachments,
    )


def _content_text(content_type: str, content: dict[str, Any]) -> str:
    if content_type in ("text", "multimodal_text"):
        parts = content.get("parts")
        return "\n".join(_part_text(p) for p in parts if p) if isinstance(parts, list) else ""
    if content_type in ("code", "execution_output"):
        return content.get("text") if isinstance(content.get("text"), str) else ""
    if content_type == "thoughts":
        thoughts = content.get("thoughts")
        pieces = []
        for thought in thoughts if isinstance(thoughts, list) else []:
            if isinstance(thought, dict):
                pieces.extend(v for k in ("summary", "content") if isinstance(v := thought.get(k), str) and v)
        return "\n".join(pieces)
    # reasoning_recap, tether_*, user_editable_context, system_error, sonic_webpage, and any
    # type a newer export invents: its words are kept rather than the message dropped.
    return "\n".join(string_values(content, _NOISE_KEYS))


def _part_text(part: Any) -> str:
    if isinstance(part, str):
        return part
    if isinstance(part, dict):
        kind = part.get("content_type") if isinstance(part.get("content_type"), str) else None
        if kind == "audio_transcription":
            return part.get("text") if isinstance(part.get("text"), str) else ""
        if kind in _PLACEHOLDERS:
            return _PLACEHOLDERS[kind]
        return "\n".join(string_values(part, _NOISE_KEYS))
    return ""


def _visibility(
    role: str, author: dict[str, Any], content_type: str, message: dict[str, Any], metadata: dict[str, Any]
) -> Visibility:
    name = author.get("name") if isinstance(author.get("name"), str) else ""
    recipient = message.get("recipient") if isinstance(message.get("recipient"), str) else "all"
    channel = message.get("channel")
    if (
        role == "system"
        or content_type in ("user_editable_context", "model_editable_context")
        or metadata.get("is_visually_hidden_from_conversation") is True
    ):
        return Visibility.HIDDEN
    if content_type in ("thoughts", "reasoning_recap") or channel == "analysis":
        return Visibility.REASONING
    if role == "tool":
        return Visibility.SEEN if name.startswith("canmore") else Visibility.TOOL
    if channel == "commentary" or not (recipient in _SEEN_RECIPIENTS or recipient.startswith("canmore")):
        return Visibility.TOOL
    return Visibility.SEEN


_JSON_DATA = re.compile(rb"jsonData\s*=\s*\[")


def _is_chat_html(head: bytes) -> bool:
    # The data comes before any conversation text in chat.html; a Gemini activity page that
    # quotes ChatGPT's page in an answer has its first activity cell before the quote.
    marker = _JSON_DATA.search(head)
    cell = head.find(b'class="outer-cell')
    return marker is not None and (cell < 0 or marker.start() < cell)


def _read_chat_html(raw: IO[bytes], context: Context) -> Iterator[Parsed]:
    # chat.html embeds the same conversations as conversations.json, in a script.
    records = iter_html_records(DepthGuard(ScriptJSON(raw, context.name), context.name), context.name)
    return read(records, context)


FORMAT = Source(
    name=SOURCE,
    label="ChatGPT",
    detect=is_conversation,
    read=read,
    detect_html=_is_chat_html,
    read_html=_read_chat_html,
)
