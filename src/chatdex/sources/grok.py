"""Grok's export (accounts.x.ai -> Data -> Download your data): a ZIP whose conversations are
in ttl/30d/export_data/<account uuid>/prod-grok-backend.json, next to the account's profile
(prod-mc-auth-mgmt-api.json), its billing (prod-mc-billing.json) and uploaded files
(prod-mc-asset-server/<asset uuid>/content).

prod-grok-backend.json is one object: {"conversations": [...], "projects": [...], "tasks": [...],
"media_posts": [...]}. Each conversation is {"conversation": {id, title, create_time,
modify_time, leaf_response_id, ...}, "responses": [{"response": {...}, "share_link": ...}]}, a
response being one turn: `sender` ("human", "assistant", "ASSISTANT" or a model name), `message`,
`parent_response_id`, `model`, and on answers `thinking_trace`, web search results and `steps`.
Times come from MongoDB: {"$date": {"$numberLong": "<ms>"}}, {"$date": <ms>}, {"$date": "<ISO>"}
or a bare ISO string, in one file.

Each answer becomes up to three messages, in the order the app shows them: its reasoning, its
searches and tool output, and the answer itself, which keeps the response's id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from chatdex.errors import ExportFormatError
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
from chatdex.sources.parts import Details, Part, tree_messages
from chatdex.text import string_values, to_datetime
from chatdex.tree import Node

SOURCE = "grok"
# Inline citations the app draws as source chips, e.g.
# <grok:render type="render_inline_citation"><argument name="citation_id">3</argument></grok:render>
_RENDER = re.compile(r"<grok:render\b[^>]{0,300}>[\s\S]{0,1000}?</grok:render>")
# Artifact wrappers around content the person saw (code, documents): the tags go, the words stay.
_ARTIFACT_TAG = re.compile(r"</?xaiArtifact\b[^>]{0,1000}>", re.IGNORECASE)
# Tool calls written into the reasoning: <xai:tool_usage_card><xai:tool_name>web_search
# </xai:tool_name><xai:tool_args><![CDATA[{"query": ...}]]></xai:tool_args></xai:tool_usage_card>.
_CARD_ID = re.compile(r"<xai:tool_usage_card_id>[^<]{0,200}</xai:tool_usage_card_id>")
_XAI_MARKUP = re.compile(r"</?xai:\w{1,64}>|<!\[CDATA\[|\]\]>")
# Keys of search results and tool steps that hold identifiers, links, numbers or styling.
_NOISE_KEYS = frozenset(
    {
        "url",
        "favicon",
        "site_icon",
        "id",
        "_id",
        "tool_usage_card_id",
        "tag_order",
        "rollout_id",
        "message_tag",
        "step_id",
        "type",
        "language",
        "image_url",
        "thumbnail_url",
    }
)
_SEARCH_KEYS = ("web_search_results", "cited_web_search_results")
_ROLE_NAMES = frozenset({"human", "user", "assistant", "system", "model", ""})


def is_record(record: Any) -> bool:
    return isinstance(record, dict) and isinstance(record.get("conversation"), dict) and "responses" in record


def read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return each(records, context, parse_record)


def parse_record(record: Any, context: Context) -> Conversation:
    record = an_object(record, "a conversation record")
    head = record.get("conversation")
    if not isinstance(head, dict):
        raise ExportFormatError("a conversation record has no 'conversation' object")
    conv_id = an_id(head.get("id"), "a conversation record")
    listed = optional_field(record.get("responses"), list, f"conversation {conv_id}", "responses")

    responses = [r for r in map(_unwrap, listed) if r is not None]
    # Responses without a parent link (all of them, in exports from before branches) follow
    # the one listed before them: the list is the thread.
    nodes: list[Node[dict[str, Any]]] = []
    previous: str | None = None
    for number, response in enumerate(responses):
        node_id = text_or_none(response.get("_id")) or f"{conv_id}:{number}"
        parent = response.get("parent_response_id", previous)
        created = when(response.get("create_time"))
        nodes.append(Node(node_id, text_or_none(parent), created.timestamp() if created else None, response))
        previous = node_id

    leaf = text_or_none(head.get("leaf_response_id"))
    messages = tree_messages(
        nodes,
        leaf,
        _parts,
        lambda response, _: _details(response),
        main=lambda parts: next((part for part in parts if part.key is None), None),
    )

    title = head.get("title")
    return Conversation(
        source=SOURCE,
        id=conv_id,
        title=title_text(title),
        messages=messages,
        account=context.account or text_or_none(head.get("user_id")) or "",
        created=when(head.get("create_time")),
        updated=when(head.get("modify_time")),
        model=shown_model(messages),
        url=f"https://grok.com/chat/{conv_id}",
    )


def when(value: Any) -> datetime | None:
    """A time in any form the export writes one: MongoDB's {"$date": ...} wrapper around
    milliseconds (a number, or a string in {"$numberLong": ...}) or an ISO string, or the ISO
    string alone."""
    if isinstance(value, dict):
        value = value.get("$date")
        if isinstance(value, dict):
            value = value.get("$numberLong")
            if isinstance(value, str):
                digits = value.strip().removeprefix("-")
                value = int(value.strip()) if digits.isdecimal() and len(digits) < 20 else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _from_ms(value)
    elif isinstance(value, int | float) and not isinstance(value, bool) and value > 1e11:
        return _from_ms(value)  # a bare number this large is milliseconds too
    return to_datetime(value)


def _from_ms(value: float) -> datetime | None:
    # A huge integer would overflow the division (JSON integers have no size limit).
    return to_datetime(value / 1000) if abs(value) < 1e20 else None


def _unwrap(item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        return None
    inner = item.get("response")
    if isinstance(inner, dict):
        return inner
    # A response written without its wrapper still says who sent it.
    return item if "sender" in item else None


def _role(sender: Any) -> str:
    name = sender.strip().lower() if isinstance(sender, str) else ""
    if name in ("human", "user"):
        return "user"
    return "system" if name == "system" else "assistant"


def _model(response: dict[str, Any]) -> str | None:
    model = text_or_none(response.get("model"))
    metadata = response.get("metadata")
    details = metadata.get("requestModelDetails") if isinstance(metadata, dict) else None
    if not model and isinstance(details, dict):
        model = text_or_none(details.get("modelId"))
    sender = response.get("sender")
    if not model and isinstance(sender, str) and sender.strip().lower() not in _ROLE_NAMES:
        model = sender.strip()  # some exports name the model as the sender ("grok-3")
    return model


def _parts(response: dict[str, Any]) -> list[Part]:
    """The messages a response becomes: its reasoning (id suffix "thinking"), its searches and
    tool output ("tools"), and the answer, which keeps the response's id."""
    role = _role(response.get("sender"))
    parts: list[Part] = []
    thinking = _thinking(response)
    if thinking:
        parts.append(Part(role, Visibility.REASONING, "thinking", [thinking], key="thinking"))
    tools = _tool_text(response)
    if tools:
        parts.append(Part("tool", Visibility.TOOL, "tools", [tools], key="tools"))
    message = response.get("message")
    text = _clean_answer(message) if isinstance(message, str) else ""
    if text or _attachments(response):
        parts.append(Part(role, Visibility.SEEN, "text", [text]))
    return parts


def _details(response: dict[str, Any]) -> Details:
    """The response's time on every part, its model on the answer's, its files on the answer."""
    created = when(response.get("create_time"))
    model = _model(response) if _role(response.get("sender")) != "user" else None
    files = _attachments(response)
    return lambda part, main: {"created": created, "model": model, "attachments": files if main else []}


def _clean_answer(text: str) -> str:
    if "<grok:render" in text:
        text = _RENDER.sub("", text)
    if "rtifact" in text:
        text = _ARTIFACT_TAG.sub("", text)
    return text.strip()


def _thinking(response: dict[str, Any]) -> str:
    traces = [response.get("thinking_trace")]
    agents = response.get("agent_thinking_traces")  # DeepSearch and Heavy: one trace per agent
    for agent in agents if isinstance(agents, list) else []:
        traces.append(agent.get("thinking_trace") if isinstance(agent, dict) else agent)
    texts = []
    for trace in traces:
        if isinstance(trace, str) and trace.strip():
            if "<xai:" in trace:
                # The tool name and its arguments stay as words, on lines of their own.
                lines = _XAI_MARKUP.sub("\n", _CARD_ID.sub("", trace)).splitlines()
                trace = "\n".join(line.strip() for line in lines if line.strip())
            texts.append(trace.strip())
    return "\n\n".join(texts)


def _tool_text(response: dict[str, Any]) -> str:
    """Web results by title and preview, each source once; then what the tool steps and an
    image request (`query`) said."""
    texts: list[str] = []
    seen_urls: set[str] = set()
    for key in _SEARCH_KEYS:
        results = response.get(key)
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            url = result.get("url")
            if isinstance(url, str) and url:
                if url in seen_urls:
                    continue
                seen_urls.add(url)
            words = [
                result[k].strip() for k in ("title", "preview", "snippet") if isinstance(result.get(k), str)
            ]
            words = [w for w in words if w] or list(string_values(result, _NOISE_KEYS))
            if words:
                texts.append("\n".join(words))
    steps = response.get("steps")
    if isinstance(steps, list):
        texts.extend(string_values(steps, _NOISE_KEYS))
    query = response.get("query")
    if isinstance(query, str) and query.strip():
        texts.append(query.strip())
    return "\n\n".join(t.strip() for t in texts if t.strip())


def _attachments(response: dict[str, Any]) -> list[str]:
    """Uploaded files by their asset id (the file is prod-mc-asset-server/<id>/content) and
    generated images by their path: the export names neither."""
    names: list[str] = []
    for key in ("file_attachments", "generated_image_urls"):
        items = response.get(key)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, str) and item.strip() and item not in names:
                names.append(item)
    return names


FORMAT = Source(name=SOURCE, label="Grok", detect=is_record, read=read, containers=("conversations",))
