"""Which files of an export's ZIP or folder hold conversations, by their names and places.

Exports put their files in different places: ChatGPT, Claude and DeepSeek at the top (or one
folder down, where a ZIP was unzipped into a folder of its own name), Takeout, Grok and
SillyTavern several folders deep. Names here are relative POSIX paths; `root` is the name of
the folder they are relative to, for files that sit directly in it."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

SHALLOW = 1  # conversations.json and friends: at the top, or in the folder a ZIP unzipped to
DEEP = 6  # Takeout/My Activity/Gemini Apps/…, Grok's ttl/30d/export_data/<id>/…
ACCOUNT_FILES = ("user.json", "users.json")
LOOKED_FOR = (
    "looked for conversations.json, conversations-NNN.json, chat.html, projects.json, "
    "prod-grok-backend.json, Gemini's MyActivity.json or .html, .jsonl chat files, and the "
    "files of the ChatGPT Exporter extension, Open WebUI and Chatbot UI"
)

_SHARD = re.compile(r"conversations-(\d+)\.json")
_GEMINI_FOLDER = re.compile(r"\b(gemini|bard)\b", re.IGNORECASE)
# Files the export tools name the same way every time, read wherever chatdex looks at the top
# of a folder or ZIP: the ChatGPT Exporter extension, Open WebUI, Chatbot UI.
_NAMED_EXPORT = re.compile(
    r"ChatGPT-.+\.json|chatgpt-export.*\.json|(all-chats|chat)-export-\d+\.json|chatbot_ui_history_.+\.json"
)


def normalized(name: str) -> str:
    """A ZIP member's name as a POSIX path: Windows tools write backslashes, some './'."""
    name = name.replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return name


def pick(names: list[str], root: str = "") -> list[str]:
    """The conversation files among `names`, in import order: each folder's
    conversations.json and shards (in numeric order), then the other formats' files; a
    ChatGPT chat.html only where its folder has no JSON (it repeats conversations.json)."""
    chosen: list[tuple[str, int, str]] = []
    folders_with_json: set[str] = set()
    pages: list[str] = []
    present = set(names)
    for name in names:
        path = PurePosixPath(name)
        base, folder, depth = path.name, str(path.parent), len(path.parts) - 1
        if depth > DEEP or (path.suffix == ".jsonl" and "backups" in path.parts[:-1]):
            continue  # SillyTavern's backups/ holds copies of its chats
        if base == "conversations.json" and depth <= SHALLOW:
            chosen.append((folder, -1, name))
            folders_with_json.add(folder)
        elif (match := _SHARD.fullmatch(base)) and depth <= SHALLOW:
            chosen.append((folder, int(match.group(1)), name))
            folders_with_json.add(folder)
        elif base == "projects.json" and depth <= SHALLOW and str(path.parent / "users.json") in present:
            chosen.append((folder, 1 << 30, name))  # Claude's projects, after its conversations
        elif base == "chat.html" and depth <= SHALLOW:
            pages.append(name)
        elif _is_gemini(path, root) and path.suffix in (".json", ".html", ".htm"):
            # The activity file has a translated name, and the files people attached sit beside
            # it: each is read only if its content is activity (see `optional`).
            chosen.append((folder, 0, name))
        elif (
            base == "prod-grok-backend.json"
            or path.suffix == ".jsonl"
            or (depth <= SHALLOW and _NAMED_EXPORT.fullmatch(base))
        ):
            chosen.append((folder, 0, name))
    chosen.extend(
        (str(PurePosixPath(n).parent), 0, n)
        for n in pages
        if str(PurePosixPath(n).parent) not in folders_with_json
    )
    return [name for _, _, name in sorted(chosen)]


def optional(name: str, root: str = "") -> bool:
    """Files read only if their content is an export, skipped quietly otherwise: beside
    Gemini's activity sit the files people attached, and .jsonl files (SillyTavern's chats)
    can be other data found while walking a folder."""
    path = PurePosixPath(name)
    return _is_gemini(path, root) or path.suffix == ".jsonl"


def _is_gemini(path: PurePosixPath, root: str) -> bool:
    """Gemini's Takeout activity: its folder (translated: "Gemini Apps", "Gemini 앱") names
    Gemini or Bard; the file's own name is translated too. Takeout's My Activity holds every
    Google product's history in files like it, and Takeout/Gemini holds Gems, not chats."""
    folder = path.parent.name or root
    return _GEMINI_FOLDER.search(folder) is not None and not path.name.startswith("gemini_")
