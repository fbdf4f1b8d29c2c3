"""The demo's directory: the files the demo may replace there, named in a marker it writes first.

The demo never deletes what it did not write. A new or empty directory is taken as it is; a
directory holding a marker is cleared of the files the marker names and nothing else; a
directory holding anything more is refused, so ``--directory .`` cannot wipe a folder. The
directory itself is never removed.
"""

from __future__ import annotations

from pathlib import Path

MARKER = ".crmsync-demo"
CONFIG = "crmsync.yaml"
STORE = "crmsync.sqlite"
OWN_FILES: tuple[str, ...] = (
    CONFIG,
    STORE,
    f"{STORE}-wal",
    f"{STORE}-shm",
    f"{STORE}-journal",
)
"""What the demo writes: its configuration, its SQLite store and the store's journal files."""

_HEADER = "# written by crmsync demo: the files below are its own and are replaced by the next run"


class DemoDirectoryError(Exception):
    """The directory holds something the demo did not write; nothing was deleted."""


def check(directory: Path) -> set[str]:
    """The names of an earlier demo's files in ``directory`` (none when it is new or empty).

    Raises :class:`DemoDirectoryError` when ``directory`` is a file or holds anything the
    demo did not write. Changes nothing.
    """
    if directory.exists() and not directory.is_dir():
        raise DemoDirectoryError("is a file, not a directory")
    if not directory.exists():
        return set()
    own = _own_files(directory)
    foreign = sorted(e.name for e in directory.iterdir() if not _is_own_file(e, own))
    if foreign:
        more = f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        raise DemoDirectoryError(
            f"holds files the demo did not write ({', '.join(foreign[:3])}{more}); nothing was "
            "deleted: give a new or empty directory"
        )
    return own


def prepare(directory: Path) -> None:
    """Make ``directory`` ready for a fresh demo, deleting only the demo's own earlier files,
    and mark it as the demo's. Raises :class:`DemoDirectoryError` as :func:`check` does."""
    own = check(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in own:
        (directory / name).unlink(missing_ok=True)
    (directory / MARKER).write_text("\n".join((_HEADER, *OWN_FILES)) + "\n", encoding="utf-8")


def _own_files(directory: Path) -> set[str]:
    """The files an earlier demo's marker names: plain names only, never a path elsewhere."""
    marker = directory / MARKER
    if not marker.is_file():
        return set()
    lines = marker.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != _HEADER:
        return set()
    return {n for n in lines[1:] if n in OWN_FILES}


def _is_own_file(entry: Path, own: set[str]) -> bool:
    if entry.name == MARKER:
        return bool(own)
    return entry.name in own and entry.is_file() and not entry.is_symlink()
