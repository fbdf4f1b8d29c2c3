"""CRM-internal duplicates: flagged for review, or merged in the CRM itself when configured."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from connectors.base import ConnectorDeps
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson
from sync import reviews
from sync.config import load_config
from sync.cycle import run_cycle
from sync.demo.world import DEMO_TEMPLATE, World, start_world
from sync.job import JobOutcome, run_stream_job
from sync.runtime import Runtime, open_runtime
from sync.store import customers, review

TWICE = [
    SeedPerson("jan.becker@becker-bau.de", "Jan", "Becker", phone="+49 221 4567890",
               city="Köln", birthday=date(1979, 4, 12)),
    SeedPerson("jan.becker79@gmx.de", "Jan", "Becker", phone="0221 4567890",
               city="Köln", birthday=date(1979, 4, 12)),
]  # fmt: skip


def template_with(tmp_path: Path, policy: str) -> Path:
    yaml = YAML(typ="rt")
    document = yaml.load(DEMO_TEMPLATE.read_text())
    document["identity"]["crm_duplicates"] = policy
    path = tmp_path / "template.yaml"
    with path.open("w") as out:
        yaml.dump(document, out)
    return path


@pytest.fixture(params=["flag", "merge"])
def duplicated(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    store_url: str,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[World, Runtime, str]]:
    template = template_with(tmp_path, request.param)
    world = start_world(tmp_path / "run", store_url=store_url, clock=clock, template=template)
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    world.sandboxes["crm"].seed(TWICE)
    deps = {name: ConnectorDeps(clock=clock) for name in world.sandboxes}
    rt = open_runtime(load_config(world.config_path), deps=deps, clock=clock)
    yield world, rt, request.param
    rt.close()
    world.close()


def crm_contacts(rt: Runtime) -> list[str]:
    return [r.external_id for p in rt.connectors["crm"].read("contacts", None) for r in p.records]


def test_a_crm_duplicate_is_flagged_or_merged_in_the_crm_as_configured(
    duplicated: tuple[World, Runtime, str], clock: ManualClock
) -> None:
    _world, rt, policy = duplicated

    first = run_cycle(rt)
    clock.advance(120)
    second = run_cycle(rt)
    clock.advance(120)  # HubSpot's search shows the merged contact only after its index lag
    third = run_cycle(rt)

    with rt.store.transaction() as conn:
        items = [
            item
            for status in ("open", "merged_in_crm")
            for item in review.items(conn, status, "crm_duplicate")
        ]
        live = crm_contacts(rt)
        linked = customers.links_of_records(conn, [f"crm:contacts:{i}" for i in live])
    assert first.ok
    assert second.ok
    assert third.ok
    assert len(items) == 1
    if policy == "flag":
        assert items[0].status == "open"
        assert len(live) == 2
        assert len(set(linked.values())) == 2, "two CRM records are never merged silently"
    else:
        assert items[0].status == "merged_in_crm"
        assert second.crm_merges == 1
        assert len(live) == 1, "the CRM merged them into one contact"
        assert linked[f"crm:contacts:{live[0]}"] == items[0].candidate_customer_id


def test_the_daemon_job_of_the_crm_stream_merges_flagged_duplicates_when_configured(
    duplicated: tuple[World, Runtime, str], clock: ManualClock
) -> None:
    _world, rt, policy = duplicated
    crm = rt.stream("crm", "contacts")

    first = run_stream_job(rt, crm, "daemon-test")
    clock.advance(120)
    second = run_stream_job(rt, crm, "daemon-test")

    with rt.store.transaction() as conn:
        statuses = [
            item.status
            for status in ("open", "merged_in_crm")
            for item in review.items(conn, status, "crm_duplicate")
        ]
    assert (first.outcome, second.outcome) == (JobOutcome.OK, JobOutcome.OK)
    if policy == "flag":
        assert (statuses, len(crm_contacts(rt))) == (["open"], 2)
    else:
        assert (statuses, len(crm_contacts(rt))) == (["merged_in_crm"], 1)


SUBSCRIBER = SeedPerson(
    "j.becker@mail.example", "Jan", "Becker", phone="+49 89 5550303", email_status="subscribed"
)


def test_a_crm_contact_we_made_for_a_subscriber_is_merged_in_the_crm_once_he_is_matched(
    tmp_path: Path, store_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = template_with(tmp_path, "merge")
    world = start_world(tmp_path / "run", store_url=store_url, clock=clock, template=template)
    for name, value in world.env.items():
        monkeypatch.setenv(name, value)
    jan_id = world.sandboxes["crm"].seed([TWICE[0]])[0]
    world.sandboxes["newsletter"].seed([SUBSCRIBER])
    deps = {name: ConnectorDeps(clock=clock) for name in world.sandboxes}
    rt = open_runtime(load_config(world.config_path), deps=deps, clock=clock)
    try:
        clock.advance(60)
        assert run_cycle(rt).ok
        made_for_him = len(crm_contacts(rt))
        with rt.store.transaction() as conn:
            (item,) = review.items(conn, "open", "score")
            reviews.accept(conn, rt, item.id, clock.now())
        clock.advance(120)
        merging = run_cycle(rt)
        clock.advance(120)
        assert run_cycle(rt).ok
        live = crm_contacts(rt)
        with rt.store.transaction() as conn:
            jan = customers.links_of_records(conn, [item.source_record_id])[item.source_record_id]
            theirs = customers.links_of_records(conn, [f"crm:contacts:{i}" for i in live])
    finally:
        rt.close()
        world.close()

    assert made_for_him == 2, "the first cycle made him a CRM contact of his own"
    assert (merging.ok, merging.crm_merges) == (True, 1)
    assert len(live) == 1, "the CRM merged the contact we made into Jan's"
    assert live[0] != jan_id, "HubSpot's merge gives the merged contact a new id"
    assert theirs == {f"crm:contacts:{live[0]}": jan}
