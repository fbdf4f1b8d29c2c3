"""What the wheel ships is what the source tree holds: the Docker image and every `pip install`
get the demo configuration, the migrations and the demo's word lists, not only the modules."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("connectors", "sync")


def _source_files() -> set[str]:
    files = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    return {f for f in files if not f.endswith((".pyc", ".pyo"))}


def test_the_wheel_holds_every_file_of_the_packages(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    command = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
    subprocess.run([*command, "-w", str(tmp_path / "dist"), str(source)], check=True)

    (wheel,) = (tmp_path / "dist").glob("crmsync-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {n for n in archive.namelist() if n.split("/")[0] in PACKAGES}

    assert _source_files() - shipped == set()
    assert "sync/demo/demo.yaml" in shipped
