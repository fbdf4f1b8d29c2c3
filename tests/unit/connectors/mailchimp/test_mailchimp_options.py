"""The connector's configuration: options, the API key and the data centre it names."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.base import ConfigurationError, ConnectorSettings, Role, Secret
from connectors.mailchimp.options import MailchimpOptions, api_key, base_url, parse_options


def settings(key: str, url: str = "") -> ConnectorSettings:
    return ConnectorSettings("newsletter", Role.MA, url, {"api_key": Secret(key)})


def test_defaults_follow_mailchimps_limits() -> None:
    assert parse_options({"list_id": "abc"}) == MailchimpOptions(
        list_id="abc", page_size=1000, max_connections=10, double_opt_in=True, batch_wait_s=300
    )


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({}, "options.list_id: Field required"),
        ({"list_id": "a", "page_size": 1001}, "options.page_size"),
        ({"list_id": "a", "page_size": 0}, "options.page_size"),
        ({"list_id": "a", "max_connections": 11}, "options.max_connections"),
        ({"list_id": "a", "double_opt_in": "sometimes"}, "options.double_opt_in"),
        ({"list_id": "a", "batch_wait_s": 0}, "options.batch_wait_s"),
        ({"list_id": "a", "pagesize": 10}, "options.pagesize: Extra inputs are not permitted"),
    ],
)
def test_bad_options_are_a_configuration_error(raw: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_options(raw)

    assert problem in str(raised.value)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        parse_options({"page_size": 0, "max_connections": 0})

    message = str(raised.value)
    assert all(f"options.{name}" in message for name in ("list_id", "page_size", "max_connections"))


def test_the_data_centre_comes_from_the_key() -> None:
    given = settings("0123abcd-us6")

    assert base_url(given, api_key(given)) == "https://us6.api.mailchimp.com/3.0"


def test_a_configured_base_url_wins() -> None:
    given = settings("0123abcd-us6", "http://127.0.0.1:8080/3.0/")

    assert base_url(given, api_key(given)) == "http://127.0.0.1:8080/3.0"


@pytest.mark.parametrize("key", ["secret-without-centre-", "secretnodash"])
def test_a_key_naming_no_data_centre_is_refused_without_showing_it(key: str) -> None:
    given = settings(key)

    with pytest.raises(ConfigurationError) as raised:
        base_url(given, api_key(given))

    assert "secret" not in str(raised.value)


def test_a_missing_key_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        api_key(settings(""))
