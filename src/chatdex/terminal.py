"""The two consoles every command prints to. Kept apart from the renderers so that a
command imports only the rich modules it draws with."""

from __future__ import annotations

from rich.console import Console


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)
