"""Placeholder: a helper is writing this format's parser."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from chatdex.sources.base import Context, Parsed, Source


def _detect(record: Any) -> bool:
    return False


def _read(records: Iterator[Any], context: Context) -> Iterator[Parsed]:
    return iter(())


FORMAT = Source(name="grok", label="grok", detect=_detect, read=_read)
