"""DeepSeek's export (chat.deepseek.com -> Settings -> Data management -> Export all chats): a
ZIP with conversations.json, an array of conversations, and user.json, the account.

A conversation is a tree under `mapping`, shaped like ChatGPT's: a "root" node with no message,
then nodes "1", "2", ... with `parent`, `children` and a `message` of `model`, `inserted_at`,
`files` and `fragments`. The fragments are what the app showed, in order: REQUEST (the prompt),
THINK (DeepThink reasoning), SEARCH (web results), RESPONSE (the answer). The export records no
current node, so the branch the app shows is taken to be the one ending at the newest leaf.

One node may hold fragments of several kinds (an answer with its reasoning; in some exports the
prompt, the reasoning and the answer at once). Each run of fragments with one role and
visibility becomes its own normalized message, so reasoning and search results can be told
apart from the answer; the answer keeps the node's id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from chatdex.model import Conversation, Visibility
from chatdex.sources.base import (
    Context,
    Parsed,
    Source,
    an_id,
    an_object,
    each,
    optional_field,
    shown_model,
    text_or_none,
    title_text,
)
from chatdex.sources.parts import Details, Part, append, tree_messages
from chatdex.text import epoch, string_values, to_datetime
from chatdex.tree import Node

SOURCE = "deepseek"
# Fragment type -> (role, visibility). TEMPLATE_RESPONSE is a canned answer the app shows as one.
_KINDS: dict[str, tuple[str, Visibility]] = {
    "REQUEST": ("user", Visibility.SEEN),
    "RESPONSE": ("assistant", Visibility.SEEN),
    "TEMPLATE_RESPONSE": ("assistant", Visibility.SEEN),
    "THINK": ("assistant", Visibility.REASONING),
    "SEARCH": ("tool", Visibility.TOOL),
}
# Answers written with web search cite their sources inline; the app draws these as links.
_CITATION = re.compile(r"\[citation:\d+\]")
# Identifiers, links and numbers in search results and tool fragments: no words to search.
_NOISE_KEYS = frozenset(
    {"type", "id", "url", "site_icon", "cite_index", "published_at", "stage_id", "status", "elapsed_secs"}
)


def is_record(record: Any) -> bool:
    """A conversation with a `mapping` whose messages carry `fragments`, or (a conversation with
    no messages yet) DeepSeek's own `inserted_at` where ChatGPT has `create_time`."""
    if not isinstance(record, dict) or not isinstance(record.get("mapping"), dict):
        return False
    for node in record["mapping"].values():
        message = node.get("message") if isinstance(node, dict) else None
        if isinstance(message, dict):
            return "fragments" in message
    return "inserted_at" in record and not ({"create_time", "current_node"} & record.keys())


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return each(records, context, parse_record)


def parse_record(record: Any, context: Context) -> Conversation:
    record = an_object(record, "a conversation record")
    conv_id = an_id(record.get("id"), "a conversation record")
    mapping = optional_field(record.get("mapping"), dict, f"conversation {conv_id}", "mapping")

    nodes: list[Node[dict[str, Any]]] = []
    for key, raw in mapping.items():
        if not isinstance(raw, dict):
            continue
        message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
        node_id = _id(raw.get("id")) or str(key)
        nodes.append(Node(node_id, _id(raw.get("parent")), epoch(message.get("inserted_at")), message))

    messages = tree_messages(nodes, None, _parts, _details, _answer)

    title = record.get("title")
    return Conversation(
        source=SOURCE,
        id=conv_id,
        title=title_text(title),
        messages=messages,
        account=context.account,
        created=to_datetime(record.get("inserted_at")),
        updated=to_datetime(record.get("updated_at")),
        model=shown_model(messages),
        url=f"https://chat.deepseek.com/a/chat/s/{conv_id}",
    )


def _details(message: dict[str, Any], parts: list[Part]) -> Details:
    """The node's time on every part, its model on the answer's parts, its files on the prompt's."""
    created = to_datetime(message.get("inserted_at"))
    model = text_or_none(message.get("model"))
    files = _file_names(message)
    return lambda part, _: {
        "created": created,
        "model": model if part.role != "user" else None,
        "attachments": files if part.role == "user" else [],
    }


def _answer(parts: list[Part]) -> Part | None:
    """The answer keeps the node's id; a node with no answer gives it to its first seen part."""
    seen = [p for p in parts if p.visibility is Visibility.SEEN]
    return next((p for p in seen if p.role == "assistant"), seen[0] if seen else None)


def _id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 1 << 63:
        return str(value)  # ids are numbered nodes; a huge integer is damage, not an id
    return value if isinstance(value, str) and value else None


def _parts(message: dict[str, Any]) -> list[Part]:
    fragments = message.get("fragments")
    parts: list[Part] = []
    if isinstance(fragments, list):
        for index, fragment in enumerate(fragments):
            if isinstance(fragment, dict):
                append(parts, _fragment(fragment, index))
    files = _file_texts(message)
    named = bool(_file_names(message))
    if files or named:
        # What the person attached is searchable as part of the prompt that carried it, and a
        # prompt that was only a file is still a message.
        prompt = next((p for p in parts if p.role == "user"), None)
        if prompt is None:
            prompt = Part("user", Visibility.SEEN, "request", [], key=-1)
            parts.insert(0, prompt)
        prompt.texts.extend(files)
    return [p for p in parts if any(t.strip() for t in p.texts) or (named and p.role == "user")]


def _fragment(fragment: dict[str, Any], index: int) -> Part:
    kind = fragment.get("type") if isinstance(fragment.get("type"), str) else "UNKNOWN"
    role, visibility = _KINDS.get(kind.upper(), ("", Visibility.SEEN))
    if not role:
        # Tool steps (TOOL_SEARCH, TOOL_OPEN, ...) are plumbing; anything else a later export
        # adds is kept as words the person saw rather than lost.
        tool = kind.upper().startswith("TOOL")
        role, visibility = ("tool", Visibility.TOOL) if tool else ("assistant", Visibility.SEEN)
    texts: list[str] = []
    content = fragment.get("content")
    if isinstance(content, str) and content.strip():
        texts.append(_CITATION.sub("", content).strip() if role == "assistant" else content.strip())
    if visibility is Visibility.TOOL:
        texts.extend(_results(fragment.get("results")))
    return Part(role, visibility, kind.lower(), texts, key=index)


def _results(results: Any) -> list[str]:
    """Search results as their titles and snippets, the words a search for them would use."""
    found: list[str] = []
    for result in results if isinstance(results, list) else []:
        if not isinstance(result, dict):
            continue
        words = [result[k].strip() for k in ("title", "snippet") if isinstance(result.get(k), str)]
        words = [w for w in words if w] or list(string_values(result, _NOISE_KEYS))
        if words:
            found.append("\n".join(words))
    return found


def _files(message: dict[str, Any]) -> list[dict[str, Any]]:
    files = message.get("files")
    return [f for f in files if isinstance(f, dict)] if isinstance(files, list) else []


def _file_names(message: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for item in _files(message):
        name = item.get("file_name")
        if isinstance(name, str) and name.strip() and name not in names:
            names.append(name)
    return names


def _file_texts(message: dict[str, Any]) -> list[str]:
    return [
        f"{text_or_none(item.get('file_name')) or 'attachment'}:\n{item['content'].strip()}"
        for item in _files(message)
        if isinstance(item.get("content"), str) and item["content"].strip()
    ]


FORMAT = Source(name=SOURCE, label="DeepSeek", detect=is_record, read=read)
