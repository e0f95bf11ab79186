"""Find the export files behind the paths a person gives, and open them as streams.

A path may be an export ZIP as downloaded, its unzipped folder, a conversations.json,
a conversations-NNN.json shard or a chat.html. ZIP members are read in place, never
extracted: the central directory is checked first (entry count, names, duplicates,
overlaps, encryption, compression, declared sizes), and zipfile verifies each member's
CRC as it is streamed."""

from __future__ import annotations

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
from chatdex.picking import ACCOUNT_FILES, DEEP, LOOKED_FOR, SHALLOW, normalized, optional, pick

MAX_MEMBERS = 100_000
MAX_MEMBER_SIZE = 64 << 30  # a whole-account conversations.json is a few GB
MAX_RATIO = 200  # real JSON exports compress 5-20x; a bomb compresses ~1000x
RATIO_FLOOR = 16 << 20  # small members may compress well for honest reasons
MAX_SIDE_FILE = 16 << 20  # user.json and export_manifest.json are tiny

_READABLE_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file of conversations: a name for messages, its size, and how to open it."""

    name: str
    kind: str  # "json" or "html"
    size: int
    opener: Callable[[], IO[bytes]]
    account: str = ""
    optional: bool = False  # skipped quietly when its content is no export (picking.optional)


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
    beside = {
        n: (lambda p=path.parent / n: p.read_bytes()) for n in ACCOUNT_FILES if (path.parent / n).is_file()
    }
    found = _export_file(str(path), path.name, path.stat().st_size, lambda p=path: p.open("rb"), beside)
    return [found]  # given by name: never optional, and its content decides HTML or JSON


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(512)
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None


def _walk(folder: Path, warnings: list[str]) -> list[str]:
    """Files under `folder` down to the depth exports bury theirs, as relative POSIX names;
    symbolic links are not followed."""
    found: list[str] = []
    level = [folder]
    seen = 0
    for depth in range(DEEP + 1):
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
                    if depth <= SHALLOW:
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
    chosen = pick(candidates, folder.name)
    if not chosen:
        raise UnsupportedInput(f"{folder}: no export found in this folder ({LOOKED_FOR})")
    readers = {
        n: (lambda p=folder / n: p.read_bytes()) for n in candidates if PurePosixPath(n).name in ACCOUNT_FILES
    }
    _check_manifest(
        {n: (lambda p=folder / n: p.read_bytes()) for n in candidates if n.endswith("export_manifest.json")},
        candidates,
        str(folder),
        warnings,
    )
    return [
        _export_file(
            str(folder / name),
            name,
            (folder / name).stat().st_size,
            lambda p=folder / name: p.open("rb"),
            readers,
            optional(name, folder.name),
        )
        for name in chosen
    ]


def _export_file(
    shown: str,
    name: str,
    size: int,
    opener: Callable[[], IO[bytes]],
    readers: dict[str, Callable[[], bytes]],
    is_optional: bool = False,
) -> ExportFile:
    kind = "html" if name.lower().endswith((".html", ".htm")) else "json"
    return ExportFile(shown, kind, size, opener, _account_for(name, readers), is_optional)


def _account_for(name: str, readers: dict[str, Callable[[], bytes]]) -> str:
    """The account an export file belongs to, from the user.json (ChatGPT, DeepSeek) or
    users.json (Claude) beside it."""
    folder = PurePosixPath(name).parent
    for account_file in ACCOUNT_FILES:
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
        # Picked by their names as POSIX paths; opened by the names the archive stores.
        by_name = {normalized(info.filename): info for info in infos if not info.is_dir()}
        names = list(by_name)
        chosen = pick(names)
        if not chosen:
            nested = [n for n in names if n.lower().endswith(".zip")]
            hint = f"; it holds another ZIP, {nested[0]}: import that one" if nested else ""
            raise UnsupportedInput(f"{path}: no export found in this ZIP ({LOOKED_FOR}{hint})")
        for name in chosen:
            _check_member(path, by_name[name])
        side = {
            n: (lambda n=n: _read_small(path, by_name[n]))
            for n in names
            if PurePosixPath(n).name in (*ACCOUNT_FILES, "export_manifest.json")
        }
        readers = {n: r for n, r in side.items() if PurePosixPath(n).name in ACCOUNT_FILES}
        _check_manifest(
            {n: r for n, r in side.items() if n.endswith("manifest.json")}, names, str(path), warnings
        )
    return [
        _export_file(
            f"{path}:{by_name[name].filename}",
            name,
            by_name[name].file_size,
            lambda stored=by_name[name].filename: _open_member(path, stored),
            readers,
            optional(name),
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
