"""Where the index lives: --index DIR, else $CHATDEX_HOME/index, else the platform's user
data directory (~/.local/share/chatdex/index on Linux)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "CHATDEX_HOME"


def data_dir() -> Path:
    home = os.environ.get(ENV_HOME)
    if home:
        return Path(home).expanduser()
    import platformdirs  # imported here: only commands without --index pay for it

    return Path(platformdirs.user_data_dir("chatdex", appauthor=False))


def index_dir(option: Path | None) -> Path:
    return option.expanduser() if option is not None else data_dir() / "index"
