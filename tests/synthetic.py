"""Small synthetic ChatGPT exports built in tests (deterministic, seeded)."""

from __future__ import annotations

import random
from typing import Any

import orjson

WORDS = [
    "index",
    "query",
    "branch",
    "tokenizer",
    "archive",
    "export",
    "snippet",
    "garden",
    "river",
    "lantern",
    "copper",
    "violet",
    "harbor",
    "meadow",
    "canyon",
    "orbit",
    "pixel",
    "saffron",
    "tundra",
    "quartz",
    "ember",
    "willow",
    "glacier",
    "falcon",
]


def conversation(
    number: int,
    messages: int = 10,
    rng: random.Random | None = None,
    updated_offset: float = 0.0,
    extra_word: str = "",
) -> dict[str, Any]:
    rng = rng or random.Random(number)
    cid = f"synthetic-{number:06d}"
    base = 1_600_000_000 + number * 3600
    mapping: dict[str, Any] = {"root": {"id": "root", "message": None, "parent": None, "children": []}}
    parent = "root"
    for index in range(messages):
        node = f"{cid}-m{index:04d}"
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 40)))
        if extra_word and index == messages - 1:
            text += f" {extra_word}"
        mapping[node] = {
            "id": node,
            "parent": parent,
            "children": [],
            "message": {
                "id": node,
                "author": {"role": "user" if index % 2 == 0 else "assistant"},
                "create_time": base + index,
                "content": {"content_type": "text", "parts": [f"c{number} {text}"]},
                "recipient": "all",
                "metadata": {"model_slug": "gpt-4o"},
            },
        }
        mapping[parent]["children"].append(node)
        parent = node
    return {
        "id": cid,
        "conversation_id": cid,
        "title": f"Synthetic conversation {number}",
        "create_time": base,
        "update_time": base + messages + updated_offset,
        "current_node": parent,
        "mapping": mapping,
    }


def export(conversations: int, messages: int = 10, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return orjson.dumps([conversation(n, messages, rng) for n in range(conversations)])
