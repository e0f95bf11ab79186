"""Open WebUI's chat export (Settings -> Chats -> Export Chats, or a chat's menu -> Download
-> Export chat (.json)): chat-export-<epoch ms>.json, a JSON array of
{id, user_id, title, chat: {title, models, params, history: {messages, currentId}, messages},
created_at, updated_at, archived, pinned, folder_id, ...}. Exports from the browser-storage
days (and Open WebUI's own import) also accept the bare `chat` object, which is read too; so
is a database dump whose `chat` column is still a JSON string.

`history.messages` is the tree: each message has `parentId`, and `history.currentId` is the
message the app shows. An assistant message's `content` is Markdown in which Open WebUI
serialises thinking and tools as `<details type="reasoning|tool_calls|code_interpreter">`
blocks (raw `<think>` tags before it parsed them); recent versions also store the turn as
Responses-style `output` items, read in preference when they hold the answer. Each block
becomes a message of its own (REASONING or TOOL), and the answer keeps the message's id.
Open WebUI is self-hosted, so no absolute link to a chat can be known: `url` is None."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import orjson

from chatdex.errors import ExportFormatError
from chatdex.model import Conversation, Message, Visibility
from chatdex.sources.base import (
    Context,
    Parsed,
    Source,
    an_object,
    each,
    system_prompt,
    text_or_none,
    title_text,
)
from chatdex.sources.parts import Details, Part, answer, append, tree_messages
from chatdex.text import string_values, to_datetime
from chatdex.tree import Node

SOURCE = "openwebui"
# Anchored at the start of a name, so a long run of word characters is tried once, not at
# every one of its positions.
_ATTRIBUTE = re.compile(r'(?<![\w-])([\w-]+)="([^"]*)"')
_THINK_TAGS = (("<think>", "</think>"), ("<thinking>", "</thinking>"))
# Identifiers and plumbing inside tool items and sources: never words a person searches for.
_NOISE_KEYS = frozenset(
    [
        "id",
        "type",
        "status",
        "call_id",
        "start_tag",
        "end_tag",
        "attributes",
        "embeds",
        "files",
        "url",
        "file_id",
        "collection_name",
        "embedding_config",
        "hash",
        "created_by",
        "mime_type",
        "lang",
    ]
)


def is_chat(record: Any) -> bool:
    if not isinstance(record, dict):
        return False
    chat = record.get("chat")
    if isinstance(chat, dict):
        return "history" in chat or "messages" in chat
    if isinstance(chat, str):  # a database dump keeps the chat as JSON text
        return '"history"' in chat
    history = record.get("history")  # the bare chat object of older exports
    return isinstance(history, dict) and isinstance(history.get("messages"), dict)


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return each(records, context, parse_chat)


def parse_chat(record: Any, context: Context) -> Conversation:
    record = an_object(record, "a chat record")
    chat: Any = record.get("chat") if "chat" in record else record
    if isinstance(chat, str):
        try:
            chat = orjson.loads(chat)
        except orjson.JSONDecodeError:
            chat = None
    chat_id = text_or_none(record.get("id")) or (
        text_or_none(chat.get("id")) if isinstance(chat, dict) else None
    )
    if chat_id is None or not chat_id.strip():
        raise ExportFormatError("a chat record has no id")
    if not isinstance(chat, dict):
        raise ExportFormatError(f"chat {chat_id}: 'chat' is {type(chat).__name__}, not an object")

    nodes, current = _nodes(chat_id, chat)
    messages = tree_messages(nodes, current, _parts, _details, before=_system_prompt(chat_id, chat))

    title = record.get("title") if isinstance(record.get("title"), str) else chat.get("title")
    models = chat.get("models")
    model = models[0] if isinstance(models, list) and models and isinstance(models[0], str) else None
    answered = [m.model for m in messages if m.model and m.role == "assistant" and m.on_current_branch]
    return Conversation(
        source=SOURCE,
        id=chat_id,
        title=title_text(title),
        messages=messages,
        account=context.account or text_or_none(record.get("user_id")) or "",
        created=to_datetime(_seconds(record.get("created_at", chat.get("timestamp")))),
        updated=to_datetime(_seconds(record.get("updated_at"))),
        model=model or (answered[-1] if answered else None),
        project_id=text_or_none(record.get("folder_id")),
        url=None,  # self-hosted: the server's address is not in the export
    )


def _nodes(chat_id: str, chat: dict[str, Any]) -> tuple[list[Node[dict[str, Any]]], str | None]:
    history = chat.get("history") if isinstance(chat.get("history"), dict) else {}
    tree = history.get("messages")
    current = history.get("currentId")
    if tree is not None and not isinstance(tree, dict):
        raise ExportFormatError(f"chat {chat_id}: 'history.messages' is {type(tree).__name__}, not an object")
    listed: list[tuple[str | None, Any]] = list(tree.items()) if tree else []
    linked = True
    if not listed and isinstance(chat.get("messages"), list):
        # No tree: the flat list the app kept beside it is the branch it showed.
        listed = [(None, m) for m in chat["messages"]]
        linked = any(isinstance(m, dict) and "parentId" in m for m in chat["messages"])
        current = None
    nodes: list[Node[dict[str, Any]]] = []
    previous: str | None = None
    for number, (key, message) in enumerate(listed):
        if not isinstance(message, dict):
            continue
        node_id = text_or_none(message.get("id")) or key or f"{chat_id}:{number}"
        parent = message.get("parentId") if linked else previous
        nodes.append(
            Node(
                node_id,
                parent if isinstance(parent, str) else None,
                _seconds(message.get("timestamp")),
                message,
            )
        )
        previous = node_id
    return nodes, current if isinstance(current, str) else None


def _seconds(value: Any) -> float | None:
    """Epoch seconds from Open WebUI's timestamps: seconds in the database, milliseconds in
    chats kept in the browser, micro- or nanoseconds in a few versions' created_at."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        return None
    if abs(value) >= 1e30:  # no clock's time: damage (and too large a number for a float)
        return None
    for threshold, scale in ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3)):
        if abs(value) >= threshold:
            return value / scale
    return float(value)


def _system_prompt(chat_id: str, chat: dict[str, Any]) -> list[Message]:
    params = chat.get("params") if isinstance(chat.get("params"), dict) else {}
    prompt = text_or_none(params.get("system")) or text_or_none(chat.get("system"))
    if prompt is None or not prompt.strip():
        return []
    return [system_prompt(f"{chat_id}:system", prompt)]


def _parts(message: dict[str, Any]) -> list[Part]:
    role = text_or_none(message.get("role")) or "unknown"
    parts: list[Part] = []
    if role == "assistant":
        parts = _output_parts(message.get("output"))
        if not any(p.visibility is Visibility.SEEN for p in parts):
            parts = _content_parts(_content(message.get("content")))
    else:
        text = _content(message.get("content")).strip()
        visibility = Visibility.HIDDEN if role == "system" else Visibility.SEEN
        append(parts, Part(role, visibility, "text", [text] if text else []), by_type=True)
    error = message.get("error")
    if isinstance(error, dict) and isinstance(error.get("content"), str) and error["content"].strip():
        append(parts, Part(role, Visibility.SEEN, "error", [error["content"].strip()]), by_type=True)
    sources = [s for key in ("sources", "citations") for s in _list(message.get(key))]
    if sources:
        # Retrieved documents and web results: what the model read, not what the person saw.
        append(
            parts,
            Part("tool", Visibility.TOOL, "sources", list(string_values(sources, _NOISE_KEYS))),
            by_type=True,
        )
    if not parts and _attachment_names(message):
        parts.append(Part(role, Visibility.SEEN, "text", []))
    return parts


def _content(content: Any) -> str:
    if isinstance(content, str):
        return content
    # OpenAI-style parts, as some versions and pipelines store multimodal prompts.
    texts = [p.get("text") for p in _list(content) if isinstance(p, dict) and isinstance(p.get("text"), str)]
    return "\n".join(t for t in texts if t)


def _content_parts(content: str) -> list[Part]:
    """Split the Markdown Open WebUI shows into the answer and its collapsed blocks. Plain
    scanning with str.find: a regex over hostile, unclosed tags could backtrack for ever."""
    parts: list[Part] = []
    position = 0
    while True:
        start = content.find("<details", position)
        head_end = content.find(">", start) if start >= 0 else -1
        if start < 0 or head_end < 0:
            _answer(parts, content[position:])
            return parts
        attributes = dict(_ATTRIBUTE.findall(content[start:head_end]))
        close = content.find("</details>", head_end)
        end = len(content) if close < 0 else close + len("</details>")
        if "type" not in attributes:  # a <details> the model wrote itself is part of the answer
            _answer(parts, content[position:end])
        else:
            _answer(parts, content[position:start])
            append(
                parts, _block(attributes, content[head_end + 1 : close if close >= 0 else end]), by_type=True
            )
        position = end


def _answer(parts: list[Part], text: str) -> None:
    """Answer text, with any raw <think> sections (before Open WebUI parsed them) split off."""
    position = 0
    found = {opener: text.find(opener) for opener, _ in _THINK_TAGS}
    while True:
        for opener in found:  # search again only past a tag already used, so the scan stays linear
            if 0 <= found[opener] < position:
                found[opener] = text.find(opener, position)
        opened = [(found[opener], opener, closer) for opener, closer in _THINK_TAGS if found[opener] >= 0]
        if not opened:
            break
        start, opener, closer = min(opened)
        close = text.find(closer, start)
        end = len(text) if close < 0 else close + len(closer)
        append(
            parts, Part("assistant", Visibility.SEEN, "text", [text[position:start].strip()]), by_type=True
        )
        body = text[start + len(opener) : close if close >= 0 else end].strip()
        append(parts, Part("assistant", Visibility.REASONING, "reasoning", [body]), by_type=True)
        position = end
    append(parts, Part("assistant", Visibility.SEEN, "text", [text[position:].strip()]), by_type=True)


def _block(attributes: dict[str, str], body: str) -> Part:
    kind = attributes["type"] or "details"
    summary = body.find("<summary>")
    summary_end = body.find("</summary>", summary) if summary >= 0 else -1
    if summary_end >= 0:  # the collapsed block's caption ("Thought for 3 seconds"), not content
        body = body[:summary] + body[summary_end + len("</summary>") :]
    body = body.strip()
    if kind == "reasoning":
        # Newer versions escape the quoted thoughts, "> " included: unescape, then unquote.
        lines = html.unescape(body).splitlines()
        text = "\n".join(line[2:] if line.startswith("> ") else line.removeprefix(">") for line in lines)
        return Part("assistant", Visibility.REASONING, "reasoning", [text.strip()])
    # tool_calls keeps name, arguments and result in attributes (older versions: the result in
    # the body); code_interpreter keeps the code in the body and its output in an attribute.
    texts = [attributes.get("name", ""), *_decoded(html.unescape(attributes.get("arguments", "")))]
    texts.append(html.unescape(body))
    for key in ("result", "output"):
        texts.extend(_decoded(html.unescape(attributes.get(key, ""))))
    return Part("tool", Visibility.TOOL, kind, [t.strip() for t in texts if t.strip()])


def _decoded(value: str) -> list[str]:
    """A JSON-encoded attribute (a string, or an object of stdout/result) as its strings."""
    if not value.strip():
        return []
    try:
        parsed = orjson.loads(value)
    except orjson.JSONDecodeError:
        return [value]
    if isinstance(parsed, str):  # arguments are JSON text inside a JSON string
        try:
            inner = orjson.loads(parsed)
        except orjson.JSONDecodeError:
            return [parsed]
        return list(string_values(inner, _NOISE_KEYS)) if isinstance(inner, dict | list) else [parsed]
    return list(string_values(parsed, _NOISE_KEYS))


def _output_parts(output: Any) -> list[Part]:
    parts: list[Part] = []
    for item in _list(output):
        if not isinstance(item, dict):
            continue
        kind = item.get("type") if isinstance(item.get("type"), str) else ""
        if kind == "message":
            append(
                parts,
                Part("assistant", Visibility.SEEN, "text", [_item_text(item.get("content"))]),
                by_type=True,
            )
        elif kind == "reasoning":
            text = _item_text(item.get("summary")) or _item_text(item.get("content"))
            append(parts, Part("assistant", Visibility.REASONING, "reasoning", [text]), by_type=True)
        elif kind == "function_call":
            words = [_str(item.get("name")), *_decoded(_str(item.get("arguments")))]
            append(
                parts, Part("assistant", Visibility.TOOL, kind, [w for w in words if w.strip()]), by_type=True
            )
        elif kind == "function_call_output":
            append(parts, Part("tool", Visibility.TOOL, kind, [_item_text(item.get("output"))]), by_type=True)
        elif kind:  # open_webui:code_interpreter and the extension items later versions add
            words = "\n".join(string_values(item, _NOISE_KEYS))
            append(
                parts, Part("tool", Visibility.TOOL, kind.removeprefix("open_webui:"), [words]), by_type=True
            )
    return parts


def _item_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    texts = [
        p if isinstance(p, str) else _str(p.get("text")) for p in _list(value) if isinstance(p, str | dict)
    ]
    return "\n\n".join(t.strip() for t in texts if t.strip())


def _details(payload: dict[str, Any], parts: list[Part]) -> Details:
    """The model's display name and id on the answer's parts; files on the part that keeps
    the message id (else the first)."""
    name = text_or_none(payload.get("modelName"))
    model = text_or_none(payload.get("model"))
    created = to_datetime(_seconds(payload.get("timestamp")))
    files = _attachment_names(payload)
    holder = answer(parts) or parts[0]
    return lambda part, _: {
        "author_name": name if part.role == "assistant" else None,
        "created": created,
        "model": model if part.role != "user" else None,
        "attachments": files if part is holder else [],
    }


def _attachment_names(message: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for item in _list(message.get("files")):
        if not isinstance(item, dict):
            continue
        inner = item.get("file") if isinstance(item.get("file"), dict) else {}
        meta = inner.get("meta") if isinstance(inner.get("meta"), dict) else {}
        name = (
            text_or_none(item.get("name"))
            or text_or_none(inner.get("filename"))
            or text_or_none(meta.get("name"))
        )
        if name and name.strip() and name not in names:
            names.append(name)
    return names


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


FORMAT = Source(name=SOURCE, label="Open WebUI", detect=is_chat, read=read)
