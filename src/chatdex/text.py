"""Text clean-up shared by the source parsers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

# ChatGPT marks citations with private-use characters: U+E200 opens a marker whose fields
# are separated by U+E202 and closed by U+E201 (cite, filecite, image_group, entity, ...);
# U+E203/U+E204 wrap cited spans, whose text stays. Older exports use 【3†title†domain】.
_PRIVATE_MARKER = re.compile("\ue200[^\ue200\ue201]*\ue201")
_PRIVATE_CHARS = re.compile("[\ue200-\ue2ff]")
# The last alternative is a marker cut off by the end of a truncated browsing result.
_BRACKET_CITATION = re.compile(
    "【[^【】\n]{0,300}?†[^【】\n]{0,300}?】|【\\d+(?::\\d+)?】|【\\d+(?::\\d+)?†[^【】\n]{0,300}$",
    re.MULTILINE,
)


_MARKED = re.compile("[\ue200-\ue2ff【]")


def strip_citations(text: str) -> str:
    # Markers are never ASCII, and a str knows whether it is ASCII without a scan.
    if not text.isascii() and _MARKED.search(text):
        text = _PRIVATE_MARKER.sub("", text)
        text = _PRIVATE_CHARS.sub("", text)
        text = _BRACKET_CITATION.sub("", text)
    return text


def string_values(value: Any, skip_keys: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every non-empty string inside a JSON value, depth-first, iteratively (no recursion
    limit to hit on hostile nesting)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if item.strip():
                yield item
        elif isinstance(item, dict):
            stack.extend(v for k, v in reversed(item.items()) if k not in skip_keys)
        elif isinstance(item, list):
            stack.extend(reversed(item))


# Tantivy stores dates as nanoseconds in an i64: 1677-09-21 to 2262-04-11.
EARLIEST = datetime(1678, 1, 1, tzinfo=UTC)
LATEST = datetime(2262, 1, 1, tzinfo=UTC)


def to_datetime(value: Any) -> datetime | None:
    """Epoch seconds (int/float), or an ISO 8601 string; None for anything unusable or
    outside the range the index can store."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        if not (0 < value < LATEST.timestamp()):  # rejects NaN and inf too
            return None
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return parsed if EARLIEST <= parsed < LATEST else None
    return None


def epoch(value: Any) -> float | None:
    parsed = to_datetime(value)
    return parsed.timestamp() if parsed else None
