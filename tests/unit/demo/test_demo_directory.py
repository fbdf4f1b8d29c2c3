"""``crmsync demo --directory``: the demo deletes only what it wrote itself, and says why it
refuses a directory that holds anything else."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli.app import app
from sync.demo.directory import MARKER, DemoDirectoryError, prepare

SMALL = ["--crm", "30", "--ma", "25"]
DEMO_SECRETS = (
    "DEMO_CRM_TOKEN",
    "DEMO_CRM_CLIENT_SECRET",
    "DEMO_NEWSLETTER_API_KEY",
    "DEMO_NEWSLETTER_WEBHOOK_SECRET",
)


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo exports its sandboxes' credentials; take them out again after the test."""
    for name in DEMO_SECRETS:
        monkeypatch.delenv(name, raising=False)


def test_a_directory_with_a_users_file_is_refused_and_keeps_the_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "crmsync.sqlite").write_text("a production store", encoding="utf-8")

    result = CliRunner().invoke(app, ["demo", "--directory", str(tmp_path), *SMALL])

    assert result.exit_code == 2
    assert result.stderr == (
        f"--directory {tmp_path}: holds files the demo did not write (crmsync.sqlite, "
        "notes.txt); nothing was deleted: give a new or empty directory\n"
    )
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (tmp_path / "crmsync.sqlite").read_text(encoding="utf-8") == "a production store"


@pytest.mark.usefixtures("demo_env")
def test_the_demo_runs_again_in_its_own_directory(tmp_path: Path) -> None:
    directory = tmp_path / "demo"

    first = CliRunner().invoke(app, ["demo", "--directory", str(directory), *SMALL])
    second = CliRunner().invoke(app, ["demo", "--directory", str(directory), *SMALL])

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert {p.name for p in directory.iterdir()} >= {MARKER, "crmsync.yaml", "crmsync.sqlite"}


def test_prepare_deletes_only_the_files_its_marker_names(tmp_path: Path) -> None:
    prepare(tmp_path)
    (tmp_path / "crmsync.sqlite").write_text("old demo store", encoding="utf-8")

    prepare(tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [MARKER]


def test_prepare_refuses_a_users_file_beside_an_earlier_demo(tmp_path: Path) -> None:
    prepare(tmp_path)
    (tmp_path / "crmsync.sqlite").write_text("old demo store", encoding="utf-8")
    (tmp_path / "report.csv").write_text("mine", encoding="utf-8")

    with pytest.raises(DemoDirectoryError, match=r"\(report.csv\)"):
        prepare(tmp_path)

    assert sorted(p.name for p in tmp_path.iterdir()) == [MARKER, "crmsync.sqlite", "report.csv"]


def test_a_marker_the_demo_did_not_write_grants_nothing(tmp_path: Path) -> None:
    (tmp_path / MARKER).write_text("crmsync.yaml\n", encoding="utf-8")
    (tmp_path / "crmsync.yaml").write_text("a user's config", encoding="utf-8")

    with pytest.raises(DemoDirectoryError):
        prepare(tmp_path)

    assert (tmp_path / "crmsync.yaml").read_text(encoding="utf-8") == "a user's config"


def test_a_file_given_as_directory_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("mine", encoding="utf-8")

    with pytest.raises(DemoDirectoryError, match="is a file"):
        prepare(path)

    assert path.read_text(encoding="utf-8") == "mine"
