"""LibreChat's conversation export (a conversation's menu -> Export -> JSON): one
<title>.json per conversation, {conversationId, endpoint, title, exportAt, branches,
recursive, options?, messages | messagesTree}. With "recursive" the messages nest under each
other's `children` (`messagesTree` in newer versions, `messages` in older ones); without it they are a flat
list linked by `parentMessageId` (the root's parent is the all-zero id). Without "branches"
only the branch the app showed is exported. Several exports joined in one JSON array are read
as well.

A message is `text`, or `content` parts for agents and assistants (text, think, tool_call,
error, image_file, ...); think parts become REASONING messages and tool calls TOOL messages,
and the answer keeps the message's id. The branch the app shows when a conversation is opened
is the newest reply at every fork, so that is the current branch. LibreChat is self-hosted:
no absolute link to a conversation can be known, so `url` is None.

The file may also be an export of the legacy Chatbot UI (chatbot_ui_history_<M-D>.json,
{version, history: [conversations], folders, prompts}), which LibreChat imports too: its
conversations are read here, with source "chatbotui", each as one thread (its messages have
no ids, dates or branches)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from chatdex.errors import ExportFormatError
from chatdex.model import Conversation, Message, Visibility
from chatdex.sources.base import (
    Context,
    Parsed,
    Source,
    an_object,
    each,
    optional_field,
    system_prompt,
    text_or_none,
    title_text,
)
from chatdex.sources.parts import Details, Part, answer, append, tree_messages
from chatdex.text import epoch, string_values, to_datetime
from chatdex.tree import Node

SOURCE = "librechat"
CHATBOT_UI = "chatbotui"
NO_PARENT = "00000000-0000-0000-0000-000000000000"
# Identifiers and plumbing inside tool calls: never words a person searches for.
_NOISE_KEYS = frozenset(
    {"id", "type", "auth", "progress", "expires_at", "file_id", "filepath", "index", "tool_call_id", "source"}
)


@dataclass(frozen=True, slots=True)
class _ChatbotUiConversation:
    """One item of a Chatbot UI export's history, told apart from a LibreChat record."""

    item: Any


def is_export(record: Any) -> bool:
    return isinstance(record, dict) and (
        ("conversationId" in record and ("messages" in record or "messagesTree" in record))
        or _is_chatbot_ui(record)
    )


def _is_chatbot_ui(record: dict[str, Any]) -> bool:
    return isinstance(record.get("history"), list) and ("version" in record or "folders" in record)


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return each(_expand(records), context, _parse)


def _expand(records: Iterator[Any]) -> Iterator[Any]:
    for record in records:
        if isinstance(record, dict) and "conversationId" not in record and _is_chatbot_ui(record):
            yield from (_ChatbotUiConversation(item) for item in record["history"])
        else:
            yield record


def _parse(record: Any, context: Context) -> Conversation:
    if isinstance(record, _ChatbotUiConversation):
        return parse_chatbot_ui(record.item, context)
    return parse_conversation(record, context)


def parse_conversation(record: Any, context: Context) -> Conversation:
    record = an_object(record, "a conversation record")
    conv_id = text_or_none(record.get("conversationId"))
    if conv_id is None or not conv_id.strip():
        raise ExportFormatError("a conversation record has no conversationId")
    tree = record.get("messagesTree") if "messagesTree" in record else record.get("messages")
    tree = optional_field(tree, list, f"conversation {conv_id}", "messages")

    options = record.get("options") if isinstance(record.get("options"), dict) else {}
    nodes = _nodes(conv_id, tree)
    messages: list[Message] = []
    prefix = options.get("promptPrefix")
    if isinstance(prefix, str) and prefix.strip():
        # Custom instructions of the conversation ("options" are exported when asked for).
        messages.append(system_prompt(f"{conv_id}:promptPrefix", prefix))
    messages = tree_messages(nodes, _shown_leaf(nodes), _parts, _details, before=messages)

    answered = [m.model for m in messages if m.model and m.role == "assistant" and m.on_current_branch]
    times = [
        t for node in nodes for t in (node.created, epoch(node.payload.get("updatedAt"))) if t is not None
    ]
    title = record.get("title")
    return Conversation(
        source=SOURCE,
        id=conv_id,
        title=title_text(title),
        messages=messages,
        account=context.account or _account(nodes),
        created=to_datetime(min(times)) if times else None,
        updated=to_datetime(max(times)) if times else None,
        model=text_or_none(options.get("model")) or (answered[-1] if answered else None),
        gizmo_id=text_or_none(options.get("agent_id")) or text_or_none(options.get("assistant_id")),
        url=None,  # self-hosted: the server's address is not in the export
    )


def _nodes(conv_id: str, tree: list[Any]) -> list[Node[dict[str, Any]]]:
    """Every message in document order, nested `children` walked with a stack (an export
    nests one level per turn, so a long conversation is deep). A nested message's parent is
    the one it sits under; a flat one's is its `parentMessageId`."""
    nodes: list[Node[dict[str, Any]]] = []
    stack: list[tuple[Any, str | None]] = [(message, None) for message in reversed(tree)]
    while stack:
        message, holder = stack.pop()
        if not isinstance(message, dict):
            continue
        node_id = text_or_none(message.get("messageId")) or f"{conv_id}:{len(nodes)}"
        linked = message.get("parentMessageId")
        parent = holder or (linked if isinstance(linked, str) and linked != NO_PARENT else None)
        nodes.append(Node(node_id, parent, epoch(message.get("createdAt")), message))
        children = message.get("children")
        if isinstance(children, list):
            stack.extend((child, node_id) for child in reversed(children))
    return nodes


def _shown_leaf(nodes: list[Node[dict[str, Any]]]) -> str | None:
    """The message LibreChat shows last when the conversation is opened: from the root, the
    newest sibling at every fork (not necessarily the newest message of all)."""
    known = {node.id for node in nodes}
    children: dict[str | None, list[tuple[tuple[float, int], str]]] = {}
    for index, node in enumerate(nodes):
        parent = node.parent if node.parent in known and node.parent != node.id else None
        key = (node.created if node.created is not None else -math.inf, index)
        children.setdefault(parent, []).append((key, node.id))
    cursor: str | None = None
    visited: set[str | None] = {None}
    while children.get(cursor):
        cursor = max(children[cursor])[1]
        if cursor in visited:  # repeated ids can make a loop; stop where it closes
            break
        visited.add(cursor)
    return cursor


def _parts(message: dict[str, Any]) -> list[Part]:
    by_user = message.get("isCreatedByUser")
    if not isinstance(by_user, bool):
        by_user = str(message.get("sender")).lower() == "user"
    role = "user" if by_user else "assistant"
    kind = "error" if message.get("error") is True else "text"
    parts: list[Part] = []
    # Plugins of 2023's gptPlugins endpoint: the tools it ran before answering.
    plugins = [message.get("plugin"), *_list(message.get("plugins"))]
    append(
        parts,
        Part("tool", Visibility.TOOL, "plugin", list(string_values(plugins, _NOISE_KEYS))),
        by_type=True,
    )
    for part in _list(message.get("content")):
        if isinstance(part, dict):
            append(parts, _content_part(part, role, kind), by_type=True)
    text = message.get("text")
    if isinstance(text, str) and text.strip() and not any(p.visibility is Visibility.SEEN for p in parts):
        append(parts, Part(role, Visibility.SEEN, kind, [text.strip()]), by_type=True)
    if not parts and _attachment_names(message):
        parts.append(Part(role, Visibility.SEEN, kind, []))
    return parts


def _content_part(part: dict[str, Any], role: str, kind: str) -> Part:
    part_type = part.get("type") if isinstance(part.get("type"), str) else ""
    if part_type == "text":
        return Part(role, Visibility.SEEN, kind, [_value(part.get("text"))])
    if part_type == "think":
        return Part(role, Visibility.REASONING, "think", [_value(part.get("think"))])
    if part_type == "error":
        return Part(role, Visibility.SEEN, "error", [_value(part.get("error")) or _value(part.get("text"))])
    if part_type == "tool_call":
        # Agents keep {name, args, output}; assistants {function: {name, arguments, output}}
        # or {code_interpreter: {input, outputs}}: their words, not their ids.
        words = string_values(part.get("tool_call"), _NOISE_KEYS)
        return Part("tool", Visibility.TOOL, "tool_call", ["\n".join(words)])
    if part_type in ("image_file", "image_url", "video_url", "input_audio", "agent_update"):
        return Part(role, Visibility.SEEN, part_type, [])  # media and hand-offs have no words
    # A part type a later version adds: keep its words rather than lose them.
    return Part(role, Visibility.TOOL, part_type or "unknown", ["\n".join(string_values(part, _NOISE_KEYS))])


def _value(value: Any) -> str:
    """A text that is a string, or an assistant's {value, annotations}."""
    if isinstance(value, dict):
        value = value.get("value")
    return value.strip() if isinstance(value, str) else ""


def _details(payload: dict[str, Any], parts: list[Part]) -> Details:
    """Sender and model on the answer's parts; files on the part that keeps the message id
    (the answer, else the first part)."""
    holder = answer(parts) or parts[0]
    sender = text_or_none(payload.get("sender"))
    model = text_or_none(payload.get("model"))
    created = to_datetime(payload.get("createdAt"))
    files = _attachment_names(payload)
    return lambda part, _: {
        "author_name": sender if part.role != "user" else None,
        "created": created,
        "model": model if part.role != "user" else None,
        "attachments": files if part is holder else [],
    }


def _attachment_names(message: dict[str, Any]) -> list[str]:
    names: list[str] = []
    found = [*_list(message.get("files")), *_list(message.get("attachments"))]
    found += [p.get("image_file") for p in _list(message.get("content")) if isinstance(p, dict)]
    for item in found:
        name = text_or_none(item.get("filename")) if isinstance(item, dict) else None
        if name and name.strip() and name not in names:
            names.append(name)
    return names


def _account(nodes: list[Node[dict[str, Any]]]) -> str:
    return next((u for node in nodes if (u := text_or_none(node.payload.get("user")))), "")


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_chatbot_ui(item: Any, context: Context) -> Conversation:
    """A Chatbot UI conversation: {id, name, messages: [{role, content}], model: {id, name},
    prompt, temperature, folderId}. The prompt is its system prompt, hidden like one."""
    item = an_object(item, "a Chatbot UI conversation")
    raw_id = item.get("id")
    conv_id = str(raw_id) if isinstance(raw_id, str | int) and not isinstance(raw_id, bool) else ""
    if not conv_id.strip():
        raise ExportFormatError("a Chatbot UI conversation has no id")
    listed = item.get("messages")
    listed = optional_field(listed, list, f"conversation {conv_id}", "messages")
    model = item.get("model").get("id") if isinstance(item.get("model"), dict) else None
    turns: list[tuple[str, str, Visibility, str]] = []
    if isinstance(item.get("prompt"), str) and item["prompt"].strip():
        turns.append((f"{conv_id}:prompt", "system", Visibility.HIDDEN, item["prompt"].strip()))
    for number, message in enumerate(listed):
        if (
            isinstance(message, dict)
            and isinstance(message.get("content"), str)
            and message["content"].strip()
        ):
            role = text_or_none(message.get("role")) or "unknown"
            turns.append((f"{conv_id}:{number}", role, Visibility.SEEN, message["content"].strip()))
    messages = [
        Message(
            id=message_id,
            parent_id=turns[index - 1][0] if index else None,
            role=role,
            text=text,
            content_type="system_prompt" if visibility is Visibility.HIDDEN else "text",
            position=index,
            on_current_branch=True,
            visibility=visibility,
            model=text_or_none(model) if role == "assistant" else None,
        )
        for index, (message_id, role, visibility, text) in enumerate(turns)
    ]
    name = item.get("name")
    return Conversation(
        source=CHATBOT_UI,
        id=conv_id,
        title=title_text(name),
        messages=messages,
        account=context.account,
        model=text_or_none(model),
        project_id=text_or_none(item.get("folderId")),
    )


FORMAT = Source(name=SOURCE, label="LibreChat", detect=is_export, read=read)
