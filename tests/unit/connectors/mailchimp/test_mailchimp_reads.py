"""Reading members through the connector: lean queries, declared merge types, fetch, since."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.base import ConfigurationError, Record
from connectors.mailchimp.connector import MailchimpConnector
from connectors.mailchimp.sandbox import MailchimpSandbox
from connectors.toolkit.sandbox import SeedPerson

START = datetime(2026, 1, 1, tzinfo=UTC)


def read_all(connector: MailchimpConnector, **kw: datetime) -> list[Record]:
    return [r for page in connector.read("members", None, **kw) for r in page.records]


def test_a_read_asks_only_for_the_fields_it_decodes(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    sandbox.seed([SeedPerson(email="a@example.org")])

    read_all(connector)

    (query,) = [q for _, p, q in sandbox.traffic.served if p.endswith("/members")]
    params = {k: v[0] for k, v in parse_qs(query).items()}
    assert params["sort_field"] == "last_changed"
    assert params["sort_dir"] == "ASC"
    assert params["count"] == "1000"
    assert "members.last_changed" in params["fields"].split(",")
    assert "members._links" not in params["fields"]


def test_merge_fields_are_read_once_and_decoded_by_declared_type(
    connector: MailchimpConnector, sandbox: MailchimpSandbox, api: httpx.Client
) -> None:
    api.post("/merge-fields", json={"tag": "SCORE", "name": "Score", "type": "number"})
    api.post(
        "/merge-fields",
        json={
            "tag": "JOINED",
            "name": "Joined",
            "type": "date",
            "options": {"date_format": "DD/MM/YYYY"},
        },
    )
    body = {
        "email_address": "a@example.org",
        "status_if_new": "subscribed",
        "merge_fields": {"SCORE": 12.5, "JOINED": "03/04/2025"},
    }
    api.put("/members/a@example.org", json=body).raise_for_status()

    (record,) = read_all(connector)
    read_all(connector)

    assert record.fields["merge_fields.SCORE"] == 12.5
    assert record.fields["merge_fields.JOINED"] == datetime(2025, 4, 3).date()
    served = sandbox.traffic.served
    schema_reads = [p for m, p, _ in served if m == "GET" and p.endswith("/merge-fields")]
    assert len(schema_reads) == 1


def test_a_read_since_a_time_starts_at_that_second(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    people = [
        SeedPerson(email=f"p{i}@example.org", modified_at=START + timedelta(seconds=i))
        for i in range(5)
    ]
    ids = sandbox.seed(people)

    later = read_all(connector, since=START + timedelta(seconds=2, milliseconds=500))

    assert [r.external_id for r in later] == ids[2:]


def test_seed_people_read_back_with_consent_and_stats(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    person = SeedPerson(
        email="a@example.org",
        first_name="Ada",
        email_status="cleaned",
        open_rate=0.5,
        rating=5,
        crm_ref="003A",
        birthday=datetime(1815, 12, 10).date(),
        modified_at=START,
    )
    sandbox.seed([person])

    (record,) = read_all(connector)

    assert record.modified_at == START
    assert record.consent[0].source_status == "cleaned"
    fields = record.fields
    assert (fields["merge_fields.FNAME"], fields["merge_fields.CRMID"]) == ("Ada", "003A")
    assert (fields["merge_fields.BIRTHDAY"], fields["stats.avg_open_rate"]) == ("--12-10", 0.5)
    assert fields["member_rating"] == 5


def test_fetch_leaves_out_unknown_and_undecodable_members(
    connector: MailchimpConnector, sandbox: MailchimpSandbox
) -> None:
    (known,) = sandbox.seed([SeedPerson(email="a@example.org")])
    broken = sandbox.add_malformed("members")

    fetched = connector.fetch("members", [known, broken, "0" * 32])

    assert [r.external_id for r in fetched] == [known]


def test_a_wrong_list_is_a_configuration_error(
    make_connector: Callable[..., MailchimpConnector],
) -> None:
    connector = make_connector(list_id="nosuchlist")

    with pytest.raises(ConfigurationError):
        read_all(connector)


def test_an_unknown_stream_is_a_configuration_error(connector: MailchimpConnector) -> None:
    with pytest.raises(ConfigurationError):
        list(connector.read("campaigns", None))
