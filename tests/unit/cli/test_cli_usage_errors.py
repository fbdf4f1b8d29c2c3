"""Bad command lines and configurations end in one line naming the flag, file, line or path,
with exit 2 (usage, configuration) or 1 (a store that fails) — never in a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sync.cli.app import app

CONFIG = """\
store:
  url: {url}
systems:
  crm:
    kind: {kind}
    role: crm
    credentials: {{token: "${{HS_TOKEN}}"}}
    streams:
      {stream}:
        fields: {{email: email}}
"""


def write(
    tmp_path: Path, *, url: str = "", kind: str = "hubspot", stream: str = "contacts"
) -> Path:
    path = tmp_path / "crmsync.yaml"
    url = url or f"sqlite:///{tmp_path / 'store.sqlite'}"
    path.write_text(CONFIG.format(url=url, kind=kind, stream=stream), encoding="utf-8")
    return path


def crmsync(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HS_TOKEN", "not-a-real-token")


def test_resync_of_an_unknown_stream_names_the_flag_and_the_streams(tmp_path: Path) -> None:
    config = write(tmp_path)

    actual = crmsync("resync", "crm", "--stream", "nosuch", "-c", str(config))

    expected = "--stream 'nosuch': system 'crm' has no such stream (streams: contacts)\n"
    assert actual == (2, expected)


def test_resync_of_an_unknown_system_names_the_configured_ones(tmp_path: Path) -> None:
    config = write(tmp_path)

    actual = crmsync("resync", "nosys", "--stream", "contacts", "-c", str(config))

    assert actual == (2, f"SYSTEM 'nosys': not configured in {config} (systems: crm)\n")


def test_a_missing_configuration_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"

    actual = crmsync("status", "-c", str(missing))

    assert actual == (2, f"{missing}: cannot be read: No such file or directory\n")


def test_validate_names_an_unknown_connector_kind_with_its_line(tmp_path: Path) -> None:
    config = write(tmp_path, kind="mailchimpp")

    actual = crmsync("config", "validate", str(config))

    expected = (
        f"{config}:5: systems.crm.kind: unknown connector 'mailchimpp' "
        "(installed: hubspot, mailchimp)\n"
    )
    assert actual == (2, expected)


def test_validate_names_a_stream_the_connector_does_not_offer(tmp_path: Path) -> None:
    config = write(tmp_path, stream="contact")

    actual = crmsync("config", "validate", str(config))

    expected = (
        f"{config}:9: systems.crm.streams.contact: unknown stream 'contact' for hubspot "
        "(it has: companies, contacts)\n"
    )
    assert actual == (2, expected)


def test_validate_passes_a_good_file(tmp_path: Path) -> None:
    config = write(tmp_path)

    actual = crmsync("config", "validate", str(config))

    assert actual == (0, "")


def test_a_store_url_of_no_supported_database_is_a_configuration_problem(tmp_path: Path) -> None:
    config = write(tmp_path, url="nonsense://somewhere")

    actual = crmsync("status", "-c", str(config))

    assert actual == (
        2,
        f"{config}:2: store.url: the store is SQLite or PostgreSQL, not 'nonsense'\n",
    )


def test_a_store_that_is_not_a_database_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.sqlite").write_text("not a database", encoding="utf-8")
    config = write(tmp_path, url=f"sqlite:///{tmp_path / 'notes.sqlite'}")

    actual = crmsync("status", "-c", str(config))

    assert actual == (
        1,
        f"{config}: store.url: the store cannot be opened: file is not a database\n",
    )


def test_a_store_url_from_the_environment_is_checked_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STORE_URL", "mysql://db.example/crm")
    config = write(tmp_path, url="${STORE_URL}")

    actual = crmsync("run", "-c", str(config))

    assert actual == (2, f"{config}: store.url: the store is SQLite or PostgreSQL, not 'mysql'\n")


def test_review_list_of_an_unknown_reason_is_a_usage_error(tmp_path: Path) -> None:
    config = write(tmp_path)

    code, err = crmsync("review", "list", "--reason", "nosuch", "-c", str(config))

    assert (code, "Invalid value for '--reason'" in err) == (2, True)
