"""The export formats chatdex reads, one module each. SOURCES is also the order of
detection: formats with a more specific shape come before the ones they resemble
(DeepSeek's `mapping` before ChatGPT's)."""

from __future__ import annotations

from chatdex.sources import chatgpt, claude, deepseek, gemini, grok, librechat, openwebui, sillytavern
from chatdex.sources.base import Context, Parsed, Source

SOURCES: tuple[Source, ...] = (
    claude.FORMAT,
    deepseek.FORMAT,
    chatgpt.FORMAT,
    gemini.FORMAT,
    grok.FORMAT,
    openwebui.FORMAT,
    librechat.FORMAT,
    sillytavern.FORMAT,
)

__all__ = ["SOURCES", "Context", "Parsed", "Source", "by_name", "detect", "names"]


def names() -> list[str]:
    return sorted((source.name for source in SOURCES), key=lambda n: _SHOWN.index(n) if n in _SHOWN else 99)


# The order people read them in, for messages: the most used first.
_SHOWN = ("chatgpt", "claude", "gemini", "deepseek", "grok", "openwebui", "librechat", "sillytavern")


def labels() -> str:
    """'ChatGPT, Claude, ... and SillyTavern'."""
    shown = sorted(SOURCES, key=lambda s: _SHOWN.index(s.name) if s.name in _SHOWN else len(_SHOWN))
    words = [source.label for source in shown]
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else "".join(words)


def by_name(name: str) -> Source | None:
    return next((source for source in SOURCES if source.name == name), None)


def detect(record: object) -> Source | None:
    return next((source for source in SOURCES if source.detect(record)), None)
