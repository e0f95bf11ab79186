"""Search output's escape codes: colour only where wanted, and never text from an export
driving the terminal."""

from __future__ import annotations

import io

import pytest

from chatdex.styled import Writer, use_color


def test_plain_output_has_no_escape_codes_and_no_control_characters() -> None:
    out = io.StringIO()
    Writer(out, color=False).line(
        "1. ", ("title\x1b[2J\x07", "bold"), ("  dim", "dim"), link="https://x.test"
    )
    assert out.getvalue() == "1. title[2J  dim\n"


def test_colour_and_hyperlinks() -> None:
    out = io.StringIO()
    Writer(out, color=True).line(("a", "bold yellow"), ("b", ""), link="https://x.test/c/1")
    assert out.getvalue() == "\x1b]8;;https://x.test/c/1\x1b\\\x1b[1;33ma\x1b[0mb\x1b]8;;\x1b\\\n"


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
        ({"FORCE_COLOR": "1"}, False, True),
    ],
)
def test_when_colour_is_used(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, expected: bool
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    assert use_color(stream) is expected


def test_bidirectional_overrides_cannot_reorder_a_line() -> None:
    out = io.StringIO()
    Writer(out, color=False).line("title \u202egnp.exe\u202c \u2066x\u2069")
    assert out.getvalue() == "title gnp.exe x\n"
