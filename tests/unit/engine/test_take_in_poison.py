"""A batch that fails because of one record is taken in record by record: that record is
quarantined with the step it failed at, the others are stored, and the cursor moves on.

The failure is a real one, raised by the database: a trigger refuses one record's rows.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from connectors.base import ConnectorError, Entity, Record, Rejected, Role, StreamInfo
from sync import views
from sync.config.model import Direction
from sync.failure import is_poison
from sync.mapping import StreamMap
from sync.pull import PullCounts, take_in
from sync.runtime import Runtime, Stream
from sync.store import customers, journal

POISON = "crm:contacts:13"


def contacts(rt: Runtime) -> Stream:
    """The CRM's contacts stream as the demo configuration maps it."""
    config = rt.config.systems["crm"].streams["contacts"]
    types = rt.config.field_types()
    smap = StreamMap(
        "crm",
        "contacts",
        Role(rt.config.systems["crm"].role),
        Entity.PERSON,
        config.mapped(Direction.READ),
        config.mapped(Direction.WRITE),
        {k: types[k] for k in config.fields},
    )
    info = StreamInfo("contacts", Entity.PERSON, frozenset())
    return Stream("crm", "contacts", info, config, smap)


def person(rt: Runtime, external_id: str) -> Record:
    fields = {"email": f"p{external_id}@example.org", "firstname": "Ann", "lastname": "Lee"}
    return Record(external_id, fields, modified_at=rt.clock.now())


def refuse(engine: Engine, table: str, column: str) -> None:
    """A trigger that refuses to insert the poison record's row into ``table``."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(
                text(
                    f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                    f"WHEN NEW.{column} = '{POISON}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
            return
        conn.execute(
            text(
                f"CREATE FUNCTION refuse_{table}() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.{column} = '{POISON}' THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION refuse_{table}()"
            )
        )


@pytest.mark.parametrize(
    ("table", "column", "step"),
    [("source_record", "id", "stage"), ("match_profile", "source_record_id", "resolve")],
)
def test_one_poison_record_is_quarantined_at_its_step_and_the_rest_go_on(
    rt: Runtime, engine: Engine, table: str, column: str, step: str
) -> None:
    refuse(engine, table, column)
    stream = contacts(rt)
    records = [person(rt, i) for i in ("12", "13", "14")]
    rejected = [Rejected("email: not a valid address", "15", {"id": "15"})]
    counts = PullCounts()

    take_in(rt, stream, records, rejected, "cursor-after-14", counts)

    with rt.store.transaction() as conn:
        linked = customers.links_of_records(
            conn, [f"crm:contacts:{r.external_id}" for r in records]
        )
        cursor = journal.cursor_of(conn, "crm", "contacts")
        reasons = {e["external_id"]: e["reason"] for e in views.quarantined(conn)}
    assert sorted(linked) == ["crm:contacts:12", "crm:contacts:14"]
    assert cursor == "cursor-after-14"
    assert reasons["15"] == "email: not a valid address"
    assert reasons["13"].startswith(f"could not be taken in at {step}: ")
    assert "Ann" not in reasons["13"]
    assert (counts.staged.read, counts.staged.quarantined, counts.staged.new) == (4, 2, 2)


def test_a_batch_without_poison_is_taken_in_at_once(rt: Runtime) -> None:
    counts = PullCounts()

    take_in(rt, contacts(rt), [person(rt, "1"), person(rt, "2")], [], "c", counts)

    assert (counts.staged.read, counts.staged.new, counts.pages) == (2, 2, 1)


def test_failures_of_the_connector_or_of_a_database_out_of_reach_are_no_poison() -> None:
    lost = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    refused = IntegrityError("INSERT", {}, Exception("refused"))

    assert not is_poison(ConnectorError("vendor down"))
    assert not is_poison(lost)
    assert not is_poison(MemoryError())
    assert is_poison(refused)
    assert is_poison(ValueError("odd value"))
