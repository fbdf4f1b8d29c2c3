"""``crmsync daemon`` before it serves: a bad configuration is reported with file and line and
exits 2; an address that cannot be bound exits 1."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sync.cli import daemon

BROKEN = """\
store:
  url: sqlite:///store.sqlite
systems:
  crm:
    kind: hubspot
    role: leader
    streams:
      contacts:
        fields: {email: email}
        schedule: {every: often}
"""

UNKNOWN_KIND = """\
store:
  url: sqlite:///{path}
systems:
  crm:
    kind: no-such-vendor
    role: crm
    streams:
      contacts:
        fields: {{email: email}}
"""

KNOWN_KIND = UNKNOWN_KIND.replace("no-such-vendor", "hubspot")


def cli() -> typer.Typer:
    app = typer.Typer()
    daemon.register(app)
    app.command("noop", hidden=True)(lambda: None)  # a group of one would swallow its name
    return app


def test_a_bad_configuration_lists_every_problem_with_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "crmsync.yaml"
    config.write_text(BROKEN, encoding="utf-8")

    result = CliRunner().invoke(cli(), ["daemon", "--config", str(config)])

    assert (result.exit_code, re.findall(r"crmsync\.yaml:(\d+)", result.stderr)) == (2, ["6", "10"])


@pytest.mark.usefixtures("restore_logging")
def test_a_connector_kind_that_is_not_installed_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "crmsync.yaml"
    config.write_text(UNKNOWN_KIND.format(path=tmp_path / "s.sqlite"), encoding="utf-8")

    result = CliRunner().invoke(cli(), ["daemon", "--config", str(config), "--port", "0"])

    assert (result.exit_code, result.stderr) == (
        2,
        f"{config}:5: systems.crm.kind: unknown connector 'no-such-vendor' "
        "(installed: hubspot, mailchimp)\n",
    )


@pytest.mark.usefixtures("restore_logging")
def test_an_address_in_use_exits_1(tmp_path: Path) -> None:
    config = tmp_path / "crmsync.yaml"
    config.write_text(KNOWN_KIND.format(path=tmp_path / "s.sqlite"), encoding="utf-8")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = CliRunner().invoke(cli(), ["daemon", "-c", str(config), "--port", str(port)])

    assert (result.exit_code, '"daemon.bind_failed"' in result.stdout) == (1, True)


def test_a_store_that_cannot_be_opened_is_one_line_before_serving(tmp_path: Path) -> None:
    (tmp_path / "s.sqlite").write_text("not a database", encoding="utf-8")
    config = tmp_path / "crmsync.yaml"
    config.write_text(KNOWN_KIND.format(path=tmp_path / "s.sqlite"), encoding="utf-8")

    result = CliRunner().invoke(cli(), ["daemon", "--config", str(config), "--port", "0"])

    expected = f"{config}: store.url: the store cannot be opened: file is not a database\n"
    assert (result.exit_code, result.stderr) == (1, expected)
