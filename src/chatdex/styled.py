"""Styled lines for search results, written without rich.

`chatdex search` is a command people run dozens of times in a row; importing rich costs
about 40 ms of a process that should take ~150. Search output needs only bold, dim, one
colour and hyperlinks, so it writes the escape codes itself, following the same
conventions as rich: colour only on a terminal, never with NO_COLOR or TERM=dumb, always
with FORCE_COLOR."""

from __future__ import annotations

import os
import re
from typing import TextIO

Segment = tuple[str, str]  # (text, style: space-separated names from _CODES, or "")

_CODES = {"bold": "1", "dim": "2", "yellow": "33"}
# Text from exports must not drive the terminal: C0 controls but tab, DEL and C1 controls;
# nor reorder what is printed: the bidirectional overrides and isolates.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def use_color(stream: TextIO) -> bool:
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def clean(text: str) -> str:
    return _CONTROL.sub("", text)


class Writer:
    def __init__(self, stream: TextIO, color: bool | None = None) -> None:
        self._stream = stream
        self._color = use_color(stream) if color is None else color

    def line(self, *segments: Segment | str, link: str | None = None) -> None:
        """One line of segments; `link` makes the whole line a hyperlink to that address."""
        out: list[str] = []
        for segment in segments:
            text, style = (segment, "") if isinstance(segment, str) else segment
            text = clean(text)
            codes = ";".join(_CODES[name] for name in style.split()) if self._color and style else ""
            out.append(f"\x1b[{codes}m{text}\x1b[0m" if codes and text else text)
        body = "".join(out)
        if link and self._color:
            body = f"\x1b]8;;{clean(link)}\x1b\\{body}\x1b]8;;\x1b\\"
        self._stream.write(body + "\n")
