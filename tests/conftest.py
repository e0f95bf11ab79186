from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chatdex.cli import app

DATA = Path(__file__).parent / "data"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # No test may read or write the real user data folder.
    home = tmp_path / "home"
    monkeypatch.setenv("CHATDEX_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    return home


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("the real export samples in ../shared/samples are not here")
    return SAMPLES


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def cli() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)

    return run


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def make_zip(tmp_path: Path) -> Callable[..., Path]:
    def make(members: dict[str, bytes], name: str = "export.zip", **kwargs: int) -> Path:
        path = tmp_path / name
        path.write_bytes(zip_bytes(members, **kwargs))
        return path

    return make


@pytest.fixture
def local_zone() -> Iterator[Callable[[str], None]]:
    """Set the process's local time zone for one test, and put it back afterwards."""
    previous = os.environ.get("TZ")

    def use(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield use
    if previous is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous
    time.tzset()
