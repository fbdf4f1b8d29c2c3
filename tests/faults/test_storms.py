"""Cycles under storms of vendor faults end where a clean run ends: nothing lost, nothing twice.

Every sandbox of the world is switched into one seeded :class:`FaultMode`; cycles run until
one reports ok (at most five), then the storm stops and one more cycle runs. What both
vendors then hold (every contact and member with its fields and consent) must equal what a
clean run of the same people holds, with no e-mail twice; under 429 storms no request may
come back before its ``Retry-After`` has elapsed on the vendor's clock.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from connectors.base import Connector, ConnectorDeps
from connectors.toolkit.clock import ManualClock
from connectors.toolkit.fault_mode import FaultMode, FaultRecord, Storm
from connectors.toolkit.sandbox import SeedPerson
from sync.config import load_config
from sync.cycle import run_cycle
from sync.demo.world import World, start_world
from sync.runtime import Runtime, open_runtime

TIMEOUT_S = 0.5
"""The connectors' HTTP timeout here: a slow answer is held past it (real seconds)."""
MAX_STORM_CYCLES = 5
BOTH = [
    SeedPerson("anna.mueller@example.org", "Anna", "Müller", city="Köln"),
    SeedPerson("mehmet.yilmaz@example.org", "Mehmet", "Yılmaz", city="Berlin"),
    SeedPerson("john.smith@example.org", "John", "Smith", city="London"),
]
CRM_ONLY = [
    SeedPerson("hans.peter@example.org", "Hans-Peter", "Schulz", company="Schulz KG"),
    SeedPerson("emma.jones@example.org", "Emma", "Jones", phone="+44 20 7946 0958"),
]
MA_ONLY = [
    SeedPerson("fatma.demir@example.org", "Fatma", "Demir", email_status="subscribed"),
    SeedPerson("oliver.brown@example.org", "Oliver", "Brown", email_status="subscribed"),
    SeedPerson("lena.fischer@example.org", "Lena", "Fischer", email_status="transactional"),
]
MODES = {
    "server_errors": (FaultMode(seed=1, server_error_rate=0.3), Storm.SERVER_ERROR),
    "throttle_seconds": (FaultMode(seed=2, throttle_rate=0.25, retry_after_s=7), Storm.THROTTLE),
    "throttle_date": (
        FaultMode(seed=3, throttle_rate=0.25, retry_after_s=7, retry_after_as_date=True),
        Storm.THROTTLE,
    ),
    "lost_writes": (FaultMode(seed=22, lost_write_rate=0.5), Storm.LOST_WRITE),
    "slow_answers": (FaultMode(seed=13, slow_rate=0.2, slow_hold_s=10.0), Storm.SLOW),
    "resets": (FaultMode(seed=21, reset_rate=0.3), Storm.RESET),
}
"""Each storm, and the fault it must have served on both vendors for the test to count (the
seeds are chosen so that it does within the few requests a cycle of this cast sends)."""
State = dict[str, dict[str, Any]]


def seed(world: World, clock: ManualClock) -> None:
    """Some people in both systems, some in one; in the MA, John has unsubscribed."""
    world.sandboxes["crm"].seed([*BOTH, *CRM_ONLY])
    in_ma = [
        SeedPerson(p.email, p.first_name, p.last_name, email_status="subscribed") for p in BOTH
    ]
    in_ma[2] = SeedPerson(BOTH[2].email, "John", "Smith", email_status="unsubscribed")
    world.sandboxes["newsletter"].seed([*in_ma, *MA_ONLY])
    clock.advance(60)


def with_timeout(world: World) -> None:
    """Every system of the world's configuration gets the short HTTP timeout."""
    yaml = YAML(typ="rt")
    document = yaml.load(world.config_path.read_text(encoding="utf-8"))
    for system in document["systems"].values():
        system["http"] = {"timeout_s": TIMEOUT_S}
    with world.config_path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)


def open_for(world: World, clock: ManualClock) -> Runtime:
    with_timeout(world)
    deps = {name: ConnectorDeps(clock=clock) for name in world.sandboxes}
    return open_runtime(load_config(world.config_path), deps=deps, clock=clock)


def records(connector: Connector, stream: str) -> list[tuple[str, dict[str, Any]]]:
    """``(e-mail, fields and consent)`` of every live record, read in full; times of change
    and creation are left out (storms retry, and retries take time)."""
    out = []
    for page in connector.read(stream, None):
        for record in page.records:
            if record.is_deleted:
                continue
            fields: dict[str, Any] = {
                k: v for k, v in record.fields.items() if not isinstance(v, datetime)
            }
            fields["consent"] = sorted((c.channel, c.status.value) for c in record.consent)
            out.append((str(fields.get("email") or fields.get("email_address")), fields))
    return out


def vendor_state(rt: Runtime) -> tuple[State, State, list[str]]:
    """Contacts and members by e-mail (the CRM id a member keeps as the contact's e-mail,
    since ids depend on the order of creation), and every e-mail held twice."""
    contacts = records(rt.connectors["crm"], "contacts")
    members = records(rt.connectors["newsletter"], "members")
    email_of = {}
    for page in rt.connectors["crm"].read("contacts", None):
        email_of.update({r.external_id: str(r.fields.get("email")) for r in page.records})
    for _, fields in members:
        if "merge_fields.CRMID" in fields:
            fields["merge_fields.CRMID"] = email_of.get(str(fields["merge_fields.CRMID"]))
    emails = [e for e, _ in contacts] + [f"ma:{e}" for e, _ in members]
    twice = sorted({e for e in emails if emails.count(e) > 1})
    return dict(contacts), dict(members), twice


def settle(rt: Runtime, clock: ManualClock) -> None:
    """One more cycle well past HubSpot's search lag, as the daemon's next tick would run."""
    clock.advance(120)
    assert run_cycle(rt).ok


@pytest.fixture(scope="module")
def clean_state(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[State, State, list[str]]]:
    """What the vendors hold after a clean run of the same people (on SQLite: the store's
    backend does not change what the vendors end up holding)."""
    directory = tmp_path_factory.mktemp("clean")
    shutil.copy(sqlite_template, directory / "store.sqlite")
    clock = ManualClock()
    world = start_world(directory, store_url=f"sqlite:///{directory / 'store.sqlite'}", clock=clock)
    with pytest.MonkeyPatch.context() as env:
        for name, value in world.env.items():
            env.setenv(name, value)
        rt = open_for(world, clock)
        try:
            seed(world, clock)
            settle(rt, clock)
            settle(rt, clock)
            yield vendor_state(rt)
        finally:
            rt.close()
            world.close()


def storm(world: World, clock: ManualClock, mode: FaultMode) -> tuple[Runtime, list[FaultRecord]]:
    """Cycles under ``mode`` until one is ok, then the storm stops and one more runs."""
    rt = open_for(world, clock)
    seed(world, clock)
    # One seed per vendor, so that the two do not meet the same sequence of faults.
    sandboxes = world.sandboxes.values()
    logs = [s.fault_mode(replace(mode, seed=mode.seed + n)) for n, s in enumerate(sandboxes)]
    for _ in range(MAX_STORM_CYCLES):
        clock.advance(120)
        if run_cycle(rt).ok:
            break
    else:
        pytest.fail(f"no cycle was ok in {MAX_STORM_CYCLES} under the storm")
    for sandbox in world.sandboxes.values():
        sandbox.fault_mode(None)
    settle(rt, clock)
    return rt, logs


@pytest.mark.parametrize("name", list(MODES))
def test_a_storm_ends_where_a_clean_run_ends(
    name: str,
    world: World,
    clock: ManualClock,
    clean_state: tuple[State, State, list[str]],
) -> None:
    mode, kind = MODES[name]

    rt, logs = storm(world, clock, mode)
    try:
        contacts, members, twice = vendor_state(rt)
    finally:
        rt.close()

    clean_contacts, clean_members, _ = clean_state
    assert all(log.faults[kind] > 0 for log in logs), "the storm missed a vendor"
    assert twice == []
    assert contacts == clean_contacts
    assert members == clean_members
    early = [request for log in logs for request in log.early]
    throttled = sum(log.faults[Storm.THROTTLE] for log in logs)
    assert early == [], f"{len(early)} of {throttled} requests came back before Retry-After"


def test_the_clean_run_carries_people_both_ways(
    clean_state: tuple[State, State, list[str]],
) -> None:
    contacts, members, twice = clean_state

    assert twice == []
    assert {p.email for p in MA_ONLY[:2]} <= set(contacts), "new subscribers reach the CRM"
    assert {p.email for p in CRM_ONLY} <= set(members) | set(contacts)
    assert members[str(BOTH[0].email)]["merge_fields.CRMID"] == BOTH[0].email
