"""Documents a user adds in the app: kept in the corpus folder's `uploads/`."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

__all__ = ["UPLOADS", "safe_name", "save_upload"]

UPLOADS = "uploads"


def safe_name(name: str) -> str:
    """A file name without folders or characters a file system may refuse ('report.pdf')."""
    name = Path(name.replace("\\", "/")).name.strip()
    name = re.sub(r'[\x00-\x1f<>:"/\\|?*]', "_", name).lstrip(".")
    return name or "document.txt"


def save_upload(corpus: Path, name: str, data: bytes) -> str:
    """Write `data` as `uploads/<name>` in `corpus` and return that path (relative, as the
    index names sources). The same content is saved once; another file of the same name
    gets a suffix ('report-2.pdf') rather than replacing the first.
    """
    folder = Path(corpus) / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    name = safe_name(name)
    stem, suffix = Path(name).stem, Path(name).suffix
    path, number = folder / name, 1
    while path.exists() and hashlib.sha256(path.read_bytes()).digest() != hashlib.sha256(data).digest():
        number += 1
        path = folder / f"{stem}-{number}{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path.relative_to(corpus).as_posix()
