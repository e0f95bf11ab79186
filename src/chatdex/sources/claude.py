"""Claude's export (claude.ai -> Settings -> Privacy -> Export data): a ZIP or folder with
conversations.json, projects.json and users.json.

A Claude message is a list of content blocks that the app shows differently: `text` is
what the person saw, `thinking` is reasoning, `tool_use`/`tool_result` are tool plumbing
(except artifacts, whose contents the person saw). Each run of blocks with one role and
visibility becomes one normalized message, so a search for reasoning or tool output can
be told apart from the answer; the part that holds the answer keeps the message's uuid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from chatdex.errors import ExportFormatError
from chatdex.model import Conversation, Message, Visibility
from chatdex.sources.base import Context, Parsed, Source, each, text_or_none, title_text
from chatdex.sources.parts import Details, Part, append, tree_messages
from chatdex.text import epoch, string_values, to_datetime
from chatdex.tree import Node

SOURCE = "claude"
ROOT = "00000000-0000-4000-8000-000000000000"
_PLACEHOLDER = re.compile(
    r"(?:```\s*\n)?This block is not supported on your current device yet\.(?:\s*\n```)?", re.MULTILINE
)
_NOISE_KEYS = frozenset(
    {
        "type",
        "id",
        "uuid",
        "start_timestamp",
        "stop_timestamp",
        "flags",
        "citations",
        "cut_off",
        "is_error",
        "url",
        "icon_url",
        "integration_icon_url",
        "message",
        "display_content",
        "tool_use_id",
        "mime_type",
    }
)


def is_record(record: Any) -> bool:
    return (
        isinstance(record, dict)
        and "uuid" in record
        and ("chat_messages" in record or "docs" in record or "prompt_template" in record)
    )


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return each(records, context, parse_record)


def parse_record(record: Any, context: Context) -> Conversation:
    if not isinstance(record, dict):
        raise ExportFormatError(f"a record is {type(record).__name__}, not an object")
    uuid = record.get("uuid")
    if not isinstance(uuid, str) or not uuid.strip():
        raise ExportFormatError("a record has no uuid")
    if "chat_messages" not in record and ("docs" in record or "prompt_template" in record):
        return _project(uuid, record, context)
    return _conversation(uuid, record, context)


def _conversation(uuid: str, record: dict[str, Any], context: Context) -> Conversation:
    raw_messages = record.get("chat_messages") or []
    if not isinstance(raw_messages, list):
        raise ExportFormatError(f"conversation {uuid}: 'chat_messages' is not a list")
    listed = [m for m in raw_messages if isinstance(m, dict)]
    # Exports before branches were recorded have no parent links: the list is the thread.
    linked = any("parent_message_uuid" in m for m in listed)
    nodes: list[Node[dict[str, Any]]] = []
    previous: str | None = None
    for number, message in enumerate(listed):
        node_id = text_or_none(message.get("uuid")) or f"{uuid}:{number}"
        parent = message.get("parent_message_uuid") if linked else previous
        parent = parent if isinstance(parent, str) and parent != ROOT else None
        nodes.append(Node(node_id, parent, epoch(message.get("created_at")), message))
        previous = node_id

    messages = tree_messages(nodes, None, _parts, lambda message, parts: _details(message, parts[0]))

    account = record.get("account")
    name = record.get("name")
    project = record.get("project_uuid") or (
        record["project"].get("uuid") if isinstance(record.get("project"), dict) else None
    )
    return Conversation(
        source=SOURCE,
        id=uuid,
        title=title_text(name),
        messages=messages,
        account=context.account
        or (text_or_none(account.get("uuid")) or "" if isinstance(account, dict) else ""),
        created=to_datetime(record.get("created_at")),
        updated=to_datetime(record.get("updated_at")),
        project_id=text_or_none(project),
        url=f"https://claude.ai/chat/{uuid}",
    )


def _details(message: dict[str, Any], first: Part) -> Details:
    """The message's time on every part; its files named on the first part, the prompt or
    answer that carried them."""
    created = to_datetime(message.get("created_at"))
    files = _attachment_names(message)
    return lambda part, _: {"created": created, "attachments": files if part is first else []}


def _parts(message: dict[str, Any]) -> list[Part]:
    role = "user" if message.get("sender") == "human" else text_or_none(message.get("sender")) or "unknown"
    content = message.get("content")
    parts: list[Part] = []
    if isinstance(content, list):
        for index, block in enumerate(content):
            if isinstance(block, dict):
                kind, visibility, block_role, text = _block(block, role)
                append(parts, Part(block_role, visibility, kind, [text], key=index))
    elif isinstance(message.get("text"), str):  # exports from before content blocks
        append(parts, Part(role, Visibility.SEEN, "text", [_clean(message["text"])], key=0))
    extracted = [
        f"{a.get('file_name') or 'attachment'}:\n{a['extracted_content'].strip()}"
        for a in message.get("attachments") or []
        if isinstance(a, dict)
        and isinstance(a.get("extracted_content"), str)
        and a["extracted_content"].strip()
    ]
    if extracted:
        # What the person attached is searchable as part of the message that carried it.
        seen = next((p for p in parts if p.visibility is Visibility.SEEN), None)
        if seen is None:
            seen = Part(role, Visibility.SEEN, "text", [], key=0)
            parts.insert(0, seen)
        seen.texts.extend(extracted)
    parts = [p for p in parts if any(t.strip() for t in p.texts)]
    if not parts and _attachment_names(message):
        # A file sent without words is still a message: its name is searchable.
        parts.append(Part(role, Visibility.SEEN, "text", [], key=0))
    return parts


def _block(block: dict[str, Any], role: str) -> tuple[str, Visibility, str, str]:
    kind = text_or_none(block.get("type")) or "unknown"
    if kind == "text":
        return kind, Visibility.SEEN, role, _clean(_str(block.get("text")))
    if kind in ("thinking", "redacted_thinking"):
        return "thinking", Visibility.REASONING, role, _str(block.get("thinking")).strip()
    if kind == "tool_use":
        tool_input = block.get("input") if isinstance(block.get("input"), dict) else {}
        if block.get("name") == "artifacts":
            # The artifact pane shows its title and contents: the person saw them.
            words = [_str(tool_input.get(k)) for k in ("title", "content", "new_str")]
            return "artifact", Visibility.SEEN, role, "\n\n".join(w for w in words if w.strip())
        return kind, Visibility.TOOL, role, "\n".join(string_values(tool_input, _NOISE_KEYS))
    if kind == "tool_result" and block.get("name") == "artifacts":
        return kind, Visibility.TOOL, "tool", ""  # only "OK": the artifact is in its tool_use
    if kind == "tool_result":
        return kind, Visibility.TOOL, "tool", "\n".join(string_values(block.get("content"), _NOISE_KEYS))
    # voice_note and whatever a later export adds: keep its words rather than lose the message.
    return kind, Visibility.SEEN, role, "\n".join(string_values(block, _NOISE_KEYS | {"name"}))


def _clean(text: str) -> str:
    return (
        _PLACEHOLDER.sub("", text).strip() if "not supported on your current device" in text else text.strip()
    )


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _attachment_names(message: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in ("attachments", "files"):
        for item in message.get(key) or []:
            name = item.get("file_name") if isinstance(item, dict) else None
            if isinstance(name, str) and name.strip() and name not in names:
                names.append(name)
    return names


def _project(uuid: str, record: dict[str, Any], context: Context) -> Conversation:
    """A project's description, instructions and documents, as one record of its own: each
    document is a message with role 'document', so `role:document` finds only them."""
    pieces: list[tuple[str, str, Visibility, str | None, Any]] = []
    if isinstance(record.get("description"), str):
        pieces.append(("project_description", record["description"], Visibility.SEEN, None, None))
    if isinstance(record.get("prompt_template"), str):
        # Instructions shape every answer in the project but are not a message: like ChatGPT's
        # custom instructions, hidden unless asked for.
        pieces.append(("project_instructions", record["prompt_template"], Visibility.HIDDEN, None, None))
    for doc in record.get("docs") or []:
        if isinstance(doc, dict) and isinstance(doc.get("content"), str):
            filename = text_or_none(doc.get("filename"))
            pieces.append(("project_document", doc["content"], Visibility.SEEN, filename, doc))
    messages: list[Message] = []
    for number, (kind, text, visibility, filename, doc) in enumerate(pieces):
        if not text.strip():
            continue
        doc_id = text_or_none(doc.get("uuid")) if isinstance(doc, dict) else None
        if doc_id is None or any(m.id == doc_id for m in messages):  # none, or a repeated uuid
            doc_id = f"{uuid}:{kind}:{number}"
        messages.append(
            Message(
                id=doc_id,
                parent_id=messages[-1].id if messages else None,
                role="document",
                text=f"{filename}\n\n{text.strip()}" if filename else text.strip(),
                content_type=kind,
                author_name=filename,
                created=to_datetime(doc.get("created_at")) if isinstance(doc, dict) else None,
                position=len(messages),
                on_current_branch=True,
                visibility=visibility,
                attachments=[filename] if filename else [],
            )
        )
    name = record.get("name")
    return Conversation(
        source=SOURCE,
        id=uuid,
        title=f"Project: {name.strip()}" if isinstance(name, str) and name.strip() else "Project",
        messages=messages,
        account=context.account,
        created=to_datetime(record.get("created_at")),
        updated=to_datetime(record.get("updated_at")),
        project_id=uuid,
        url=f"https://claude.ai/project/{uuid}",
    )


FORMAT = Source(name=SOURCE, label="Claude", detect=is_record, read=read)
