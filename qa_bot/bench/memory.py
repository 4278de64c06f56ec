"""Memory figures of a bench process (Linux /proc; empty elsewhere): peak and current resident
memory, private and file-backed, and the resident pages of each mapped index file.
"""

from __future__ import annotations

import resource
from pathlib import Path

__all__ = ["mapped_by_file", "peak_rss_mb", "reset_peak", "rss_now"]


def peak_rss_mb() -> float:
    """The peak resident memory of this process, MB: VmHWM on Linux (ru_maxrss keeps the peak of
    the process that forked this one across exec, so a worker would report its parent's).
    """
    peak = rss_now().get("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_now() -> dict[str, float]:
    """Resident memory, MB: VmHWM (peak), VmRSS (now) = RssAnon (private) + RssFile (pages of mapped
    files: the index's, shared with the page cache) + RssShmem.
    """
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return {}
    return {line.split(":")[0]: int(line.split()[1]) / 1024 for line in lines
            if line.startswith(("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem"))}


def reset_peak() -> bool:
    """Start VmHWM again from the current resident memory (Linux ≥ 4.0); whether it could."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def mapped_by_file(folder: Path) -> dict[str, float]:
    """Resident MB of each file under `folder` mapped into this process, largest first."""
    try:
        lines = Path("/proc/self/smaps").read_text().splitlines()
    except OSError:
        return {}
    prefix, sizes, current = str(Path(folder).resolve()) + "/", {}, None
    for line in lines:
        fields = line.split()
        if len(fields) >= 5 and "-" in fields[0] and not fields[0].endswith(":"):  # a mapping's first line
            current = fields[5] if len(fields) > 5 and fields[5].startswith(prefix) else None
        elif current and fields[0] == "Rss:":
            name = current[len(prefix):]
            sizes[name] = sizes.get(name, 0.0) + int(fields[1]) / 1024
    return dict(sorted(((k, v) for k, v in sizes.items() if v), key=lambda kv: -kv[1]))
