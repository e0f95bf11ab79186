"""Find the export files behind the paths a person gives, and open them as streams.

A path may be an export ZIP as downloaded, its unzipped folder, a conversations.json,
a conversations-NNN.json shard or a chat.html. ZIP members are read in place, never
extracted: the central directory is checked first (entry count, names, duplicates,
overlaps, encryption, compression, declared sizes), and zipfile verifies each member's
CRC as it is streamed."""

from __future__ import annotations

import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path, PurePosixPath
from typing import IO

import orjson

from chatdex.errors import ArchiveError, InputError, UnsupportedInput

MAX_MEMBERS = 100_000
MAX_MEMBER_SIZE = 64 << 30  # a whole-account conversations.json is a few GB
MAX_RATIO = 200  # real JSON exports compress 5-20x; a bomb compresses ~1000x
RATIO_FLOOR = 16 << 20  # small members may compress well for honest reasons
MAX_SIDE_FILE = 16 << 20  # user.json and export_manifest.json are tiny

_SHARD = re.compile(r"conversations-(\d+)\.json")
_GEMINI_FOLDER = re.compile(r"\b(gemini|bard)\b", re.IGNORECASE)
_SHALLOW = 1  # conversations.json and friends: at the top, or in the folder a ZIP unzipped to
_DEEP = 6  # Takeout/My Activity/Gemini Apps/…, Grok's ttl/30d/export_data/<id>/…
# Files the export tools name the same way every time, read wherever chatdex looks at the top
# of a folder or ZIP: the ChatGPT Exporter extension, Open WebUI, Chatbot UI.
_NAMED_EXPORT = re.compile(
    r"ChatGPT-.+\.json|chatgpt-export.*\.json|(all-)?chat-export-\d+\.json|chatbot_ui_history_.+\.json"
)
_ACCOUNT_FILES = ("user.json", "users.json")
_LOOKED_FOR = (
    "looked for conversations.json, conversations-NNN.json, chat.html, projects.json, "
    "prod-grok-backend.json, Gemini's MyActivity.json or .html, .jsonl chat files, and the "
    "files of the ChatGPT Exporter extension, Open WebUI and Chatbot UI"
)
_READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file of conversations: a name for messages, its size, and how to open it."""

    name: str
    kind: str  # "json" or "html"
    size: int
    opener: Callable[[], IO[bytes]]
    account: str = ""
    optional: bool = False  # skipped quietly when its content is no export (see _optional)


@dataclass(slots=True)
class Collected:
    files: list[ExportFile]
    warnings: list[str]


def collect(paths: list[Path]) -> Collected:
    """Resolve every path to its export files before anything is imported, so a typo in the
    third path fails the whole command before the index is touched."""
    files: list[ExportFile] = []
    warnings: list[str] = []
    for path in paths:
        found = _collect_one(path, warnings)
        files.extend(found)
    return Collected(files, warnings)


def _collect_one(path: Path, warnings: list[str]) -> list[ExportFile]:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    if stat.S_ISDIR(mode):
        return _from_folder(path, warnings)
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: not a regular file or folder")
    head = _read_head(path)
    if head.startswith(b"PK"):
        return _from_zip(path, warnings)
    if not head.strip():
        raise InputError(f"{path} is empty")
    name = path.name.lower()
    kind = "html" if name.endswith((".html", ".htm")) or head.lstrip()[:1] == b"<" else "json"
    beside = {
        n: (lambda p=path.parent / n: p.read_bytes()) for n in _ACCOUNT_FILES if (path.parent / n).is_file()
    }
    account = _account_for(path.name, beside)
    return [ExportFile(str(path), kind, path.stat().st_size, lambda p=path: p.open("rb"), account)]


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(512)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None


def _pick(names: list[str]) -> list[str]:
    """The conversation files among an export's member names, in import order: each folder's
    conversations.json and shards (in numeric order), then the other formats' files; a
    ChatGPT chat.html only where its folder has no JSON (it repeats conversations.json)."""
    chosen: list[tuple[str, int, str]] = []
    folders_with_json: set[str] = set()
    pages: list[str] = []
    present = set(names)
    for name in names:
        path = PurePosixPath(name)
        base, folder, depth = path.name, str(path.parent), len(path.parts) - 1
        if depth > _DEEP or "backups" in path.parts[:-1]:  # SillyTavern's copies of its chats
            continue
        if base == "conversations.json" and depth <= _SHALLOW:
            chosen.append((folder, -1, name))
            folders_with_json.add(folder)
        elif (match := _SHARD.fullmatch(base)) and depth <= _SHALLOW:
            chosen.append((folder, int(match.group(1)), name))
            folders_with_json.add(folder)
        elif base == "projects.json" and depth <= _SHALLOW and str(path.parent / "users.json") in present:
            chosen.append((folder, 1 << 30, name))  # Claude's projects, after its conversations
        elif base == "chat.html" and depth <= _SHALLOW:
            pages.append(name)
        elif _is_gemini(path) and path.suffix in (".json", ".html", ".htm"):
            # The activity file has a translated name, and the files people attached sit beside
            # it: each is read only if its content is activity (see _optional).
            chosen.append((folder, 0, name))
        elif (
            base == "prod-grok-backend.json"
            or path.suffix == ".jsonl"
            or (depth <= _SHALLOW and _NAMED_EXPORT.fullmatch(base))
        ):
            chosen.append((folder, 0, name))
    chosen.extend(
        (str(PurePosixPath(n).parent), 0, n)
        for n in pages
        if str(PurePosixPath(n).parent) not in folders_with_json
    )
    return [name for _, _, name in sorted(chosen)]


def _is_gemini(path: PurePosixPath) -> bool:
    """Gemini's Takeout activity: its folder (translated: "Gemini Apps", "Gemini 앱") names
    Gemini or Bard; the file's own name is translated too. Takeout's My Activity holds every
    Google product's history in files like it, and Takeout/Gemini holds Gems, not chats."""
    return _GEMINI_FOLDER.search(path.parent.name) is not None and not path.name.startswith("gemini_")


def _optional(name: str) -> bool:
    """Files read only if their content is an export, skipped quietly otherwise: beside
    Gemini's activity sit the files people attached, and .jsonl files (SillyTavern's chats)
    can be other data found while walking a folder."""
    path = PurePosixPath(name)
    return _is_gemini(path) or path.suffix == ".jsonl"


def _depth(name: str) -> int:
    return name.count("/")


def _walk(folder: Path, warnings: list[str]) -> list[str]:
    """Files under `folder` down to the depth exports bury theirs, as relative POSIX names;
    symbolic links are not followed."""
    found: list[str] = []
    level = [folder]
    seen = 0
    for depth in range(_DEEP + 1):
        below: list[Path] = []
        for directory in level:
            try:
                entries = sorted(directory.iterdir())
            except OSError:
                continue  # an unreadable subfolder holds nothing chatdex could read anyway
            for entry in entries:
                seen += 1
                if seen > MAX_MEMBERS:
                    raise InputError(
                        f"{folder}: more than {MAX_MEMBERS:,} files below it; "
                        "point chatdex at the export's own folder"
                    )
                if entry.is_symlink():
                    if depth <= _SHALLOW:
                        warnings.append(f"{entry}: symbolic link skipped")
                    continue
                if entry.is_dir():
                    below.append(entry)
                elif entry.is_file():
                    found.append(entry.relative_to(folder).as_posix())
        level = below
    return found


def _from_folder(folder: Path, warnings: list[str]) -> list[ExportFile]:
    # An export's files sit at the top, or one level down when a ZIP was unzipped into a
    # folder of its own name; Takeout, Grok and SillyTavern put theirs deeper.
    candidates = _walk(folder, warnings)
    chosen = _pick(candidates)
    if not chosen:
        raise UnsupportedInput(f"{folder}: no export found in this folder ({_LOOKED_FOR})")
    readers = {
        n: (lambda p=folder / n: p.read_bytes())
        for n in candidates
        if PurePosixPath(n).name in _ACCOUNT_FILES
    }
    _check_manifest(
        {n: (lambda p=folder / n: p.read_bytes()) for n in candidates if n.endswith("export_manifest.json")},
        candidates,
        str(folder),
        warnings,
    )
    return [
        ExportFile(
            str(folder / name),
            "html" if name.endswith((".html", ".htm")) else "json",
            (folder / name).stat().st_size,
            lambda p=folder / name: p.open("rb"),
            _account_for(name, readers),
            _optional(name),
        )
        for name in chosen
    ]


def _account_for(name: str, readers: dict[str, Callable[[], bytes]]) -> str:
    """The account an export file belongs to, from the user.json (ChatGPT, DeepSeek) or
    users.json (Claude) beside it."""
    folder = PurePosixPath(name).parent
    for account_file in _ACCOUNT_FILES:
        read = readers.get(str(folder / account_file) if str(folder) != "." else account_file)
        if read is None:
            continue
        try:
            user = orjson.loads(read())
        except (orjson.JSONDecodeError, OSError):
            return ""
        if isinstance(user, list) and len(user) == 1:  # users.json lists the one account
            user = user[0]
        if isinstance(user, dict):
            for key in ("id", "uuid", "user_id"):
                if isinstance(user.get(key), str) and user[key]:
                    return str(user[key])
    return ""


def _check_manifest(
    readers: dict[str, Callable[[], bytes]], names: list[str], where: str, warnings: list[str]
) -> None:
    present = {PurePosixPath(n).name for n in names}
    for read in readers.values():
        try:
            manifest = orjson.loads(read())
        except (orjson.JSONDecodeError, OSError):
            warnings.append(f"{where}: export_manifest.json is not valid JSON; ignored")
            continue
        entries = manifest if isinstance(manifest, list) else []
        for entry in entries:
            listed = entry.get("path") if isinstance(entry, dict) else None
            if isinstance(listed, str) and PurePosixPath(listed).name not in present:
                warnings.append(
                    f"{where}: export_manifest.json lists {listed}, which is missing (incomplete download?)"
                )


@contextmanager
def _zip_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise ArchiveError(f"{path}: corrupt or truncated ZIP ({error}); download the export again") from None


def _from_zip(path: Path, warnings: list[str]) -> list[ExportFile]:
    with _zip_errors(path), zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        _check_directory(path, infos)
        by_name = {info.filename: info for info in infos if not info.is_dir()}
        names = list(by_name)
        chosen = _pick(names)
        if not chosen:
            nested = [n for n in names if n.lower().endswith(".zip")]
            hint = f"; it holds another ZIP, {nested[0]}: import that one" if nested else ""
            raise UnsupportedInput(f"{path}: no export found in this ZIP ({_LOOKED_FOR}{hint})")
        for name in chosen:
            _check_member(path, by_name[name])
        side = {
            n: (lambda n=n: _read_small(path, by_name[n]))
            for n in names
            if PurePosixPath(n).name in (*_ACCOUNT_FILES, "export_manifest.json")
        }
        readers = {n: r for n, r in side.items() if PurePosixPath(n).name in _ACCOUNT_FILES}
        _check_manifest(
            {n: r for n, r in side.items() if n.endswith("manifest.json")}, names, str(path), warnings
        )
    return [
        ExportFile(
            f"{path}:{name}",
            "html" if name.endswith((".html", ".htm")) else "json",
            by_name[name].file_size,
            lambda name=name: _open_member(path, name),
            _account_for(name, readers),
            _optional(name),
        )
        for name in chosen
    ]


def _check_directory(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ArchiveError(
            f"{path}: {len(infos):,} entries is more than the {MAX_MEMBERS:,} an export can have"
        )
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise ArchiveError(f"{path}: unsafe entry name {name!r}; refusing this archive")
        if name in seen:
            raise ArchiveError(f"{path}: the entry {name!r} appears twice; refusing this archive")
        seen.add(name)
    # The local header is 30 bytes plus the name as stored (UTF-8 only when flag 0x800 says so).
    spans = sorted(
        (
            info.header_offset,
            info.header_offset + 30 + len(_stored_name(info)) + info.compress_size,
            info.filename,
        )
        for info in infos
    )
    for (_, end, first), (start, _, second) in pairwise(spans):
        if start < end:
            raise ArchiveError(f"{path}: entries {first!r} and {second!r} overlap; refusing this archive")


def _stored_name(info: zipfile.ZipInfo) -> bytes:
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    try:
        return info.orig_filename.encode(encoding)
    except UnicodeEncodeError:
        return info.orig_filename.encode("utf-8")


def _check_member(path: Path, info: zipfile.ZipInfo) -> None:
    where = f"{path}:{info.filename}"
    if info.flag_bits & 0x1:
        raise ArchiveError(f"{where} is encrypted; export again without a password")
    if info.compress_type not in _READABLE_COMPRESSION:
        raise ArchiveError(
            f"{where} uses compression method {info.compress_type}, which chatdex does not read; "
            "unzip it and import the folder"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise ArchiveError(f"{where} is a symbolic link; refusing it")
    if info.file_size > MAX_MEMBER_SIZE:
        raise ArchiveError(
            f"{where} declares {info.file_size:,} bytes, more than chatdex reads from one entry"
        )
    if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise ArchiveError(
            f"{where} expands {info.file_size // max(info.compress_size, 1):,} times; "
            "that is a ZIP bomb, not an export"
        )


def _read_small(path: Path, info: zipfile.ZipInfo) -> bytes:
    if (
        info.file_size > MAX_SIDE_FILE
        or info.flag_bits & 0x1
        or info.compress_type not in _READABLE_COMPRESSION
    ):
        return b""
    with _zip_errors(path), zipfile.ZipFile(path) as archive, archive.open(info) as member:
        return member.read(MAX_SIDE_FILE)


class _MemberStream:
    """A ZIP member opened for streaming, which closes its archive with it and turns
    zipfile's errors (bad CRC, truncation) into chatdex's."""

    def __init__(self, path: Path, name: str) -> None:
        self._path = path
        with _zip_errors(path):
            self._archive = zipfile.ZipFile(path)
            self._member = self._archive.open(name)

    def read(self, size: int = -1) -> bytes:
        with _zip_errors(self._path):
            return self._member.read(size)

    def close(self) -> None:
        self._member.close()
        self._archive.close()

    def __enter__(self) -> _MemberStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _open_member(path: Path, name: str) -> IO[bytes]:
    return _MemberStream(path, name)  # type: ignore[return-value]
