"""Configuration errors name file, line and dotted path, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.config import ConfigError, LoadedConfig, load_config

BROKEN = """\
store:
  url: postgresql://u:pw@db/crm
systems:
  crm:
    kind: hubspot
    role: crm
    credentials:
      token: pat-na1-literal
    streams:
      contacts:
        fields:
          email: email
          frist_name: firstname
        schedule: {every: 5 minutes}
  news:
    kind: mailchimp
    role: newsletter
    credentials: {api_key: "${MC_KEY}"}
    streams:
      members:
        fields: {email: email_address}
        unknown_option: 1
survivorship:
  owners: {lead_score: nowhere}
"""

GOOD = """\
systems:
  crm:
    kind: hubspot
    role: crm
    credentials: {token: "${HS_TOKEN}"}
    streams:
      contacts:
        fields: {email: email, first_name: firstname}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "crmsync.yaml"
    path.write_text(text)
    return path


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN)

    with pytest.raises(ConfigError) as caught:
        load_config(path, check_secrets=False)

    actual = [(p.line, p.path) for p in caught.value.problems]
    assert actual == [
        (2, "store.url"),
        (8, "systems.crm.credentials.token"),
        (13, "systems.crm.streams.contacts.fields.frist_name"),
        (14, "systems.crm.streams.contacts.schedule.every"),
        (17, "systems.news.role"),
        (22, "systems.news.streams.members.unknown_option"),
        (24, "survivorship.owners.lead_score"),
    ]
    assert all(p.file == str(path) for p in caught.value.problems)
    assert "pat-na1-literal" not in str(caught.value)
    assert "pw@" not in str(caught.value)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "systems:\n  crm: [unclosed\n")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert caught.value.problems[0].line is not None
    assert "YAML syntax" in caught.value.problems[0].message


def test_unresolvable_secret_is_a_problem_and_resolvable_passes(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)

    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    loaded = load_config(path, env={"HS_TOKEN": "x"})

    assert [(p.line, p.path) for p in caught.value.problems] == [
        (5, "systems.crm.credentials.token")
    ]
    assert loaded.config.systems["crm"].streams["contacts"].fields["first_name"] == "firstname"


def test_file_secret_resolves_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "token.txt").write_text("s3cret\n")
    path = write(tmp_path, GOOD.replace("${HS_TOKEN}", "${file:token.txt}"))

    loaded = load_config(path, env={})

    assert loaded.config.systems["crm"].credentials["token"] == "${file:token.txt}"


def test_unknown_connector_kinds_are_problems_when_the_installed_kinds_are_given(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, GOOD.replace("kind: hubspot", "kind: hubspott"))

    with pytest.raises(ConfigError) as caught:
        load_config(path, env={"HS_TOKEN": "x"}, kinds=["hubspot", "mailchimp"])
    loaded = load_config(path, env={"HS_TOKEN": "x"})

    assert [str(p) for p in caught.value.problems] == [
        f"{path}:3: systems.crm.kind: unknown connector 'hubspott' (installed: hubspot, mailchimp)"
    ]
    assert loaded.config.systems["crm"].kind == "hubspott"


def test_later_checks_are_placed_on_their_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)

    def no_contacts(loaded: LoadedConfig) -> list[tuple[tuple[str | int, ...], str]]:
        return [(("systems", "crm", "streams", "contacts"), "not offered")]

    with pytest.raises(ConfigError) as caught:
        load_config(path, env={"HS_TOKEN": "x"}, checks=[no_contacts])

    assert [str(p) for p in caught.value.problems] == [
        f"{path}:7: systems.crm.streams.contacts: not offered"
    ]


def test_a_missing_file_is_one_problem_without_a_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nowhere.yaml")

    assert (
        str(caught.value)
        == f"{tmp_path / 'nowhere.yaml'}: cannot be read: No such file or directory"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense://db", "the store is SQLite or PostgreSQL, not 'nonsense'"),
        (
            "not a url",
            "not a database URL: write sqlite:///path or postgresql+psycopg://user@host/db",
        ),
    ],
)
def test_a_store_url_crmsync_cannot_open_is_a_problem(
    tmp_path: Path, url: str, message: str
) -> None:
    path = write(tmp_path, f"store:\n  url: {url}\n" + GOOD)

    with pytest.raises(ConfigError) as caught:
        load_config(path, env={"HS_TOKEN": "x"})

    assert [str(p) for p in caught.value.problems] == [f"{path}:2: store.url: {message}"]
