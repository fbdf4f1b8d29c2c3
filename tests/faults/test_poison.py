"""Poison at every step: arbitrary Unicode (lone surrogates, NUL, zero-width, huge numbers) and
arbitrary JSON in a vendor payload go through the connector's decoding and then through
mapping, hashing, normalising, matching and the store, and each item ends up either taken in
or quarantined; no exception ever leaves decoding or ``take_in``."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from connectors.base import Entity, Record, Rejected, Role, StreamInfo
from connectors.hubspot.mapping import to_record
from connectors.hubspot.models import PropertyDefinition
from connectors.hubspot.sandbox.schema import CONTACT_PROPERTIES
from connectors.mailchimp.mapping import MergeSchema, MergeSpec, decode_member
from connectors.toolkit.clock import ManualClock
from sync import views
from sync.config import load_config
from sync.config.model import Direction
from sync.demo.world import DEMO_TEMPLATE
from sync.mapping import StreamMap
from sync.matching import ModelKeeper, match_settings
from sync.pull import PullCounts, take_in
from sync.records import record_id
from sync.runtime import Runtime, Stream
from sync.store import customers
from sync.store.codec import storable, storable_problem
from sync.store.sql import Store

HUBSPOT_SCHEMA = {p.name: PropertyDefinition(name=p.name, type=p.type, fieldType=p.field_type)
                  for p in CONTACT_PROPERTIES}  # fmt: skip
MAILCHIMP_SCHEMA = MergeSchema(
    {
        "FNAME": MergeSpec("FNAME", "text"),
        "LNAME": MergeSpec("LNAME", "text"),
        "PHONE": MergeSpec("PHONE", "phone"),
        "COMPANY": MergeSpec("COMPANY", "text"),
        "CRMID": MergeSpec("CRMID", "text"),
        "BIRTHDAY": MergeSpec("BIRTHDAY", "birthday", "MM/DD"),
        "ADDRESS": MergeSpec("ADDRESS", "address"),
    }
)
EXAMPLE = itertools.count()

odd_chars = st.one_of(
    st.characters(),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    st.sampled_from("\x00\x01\x7f\u200b\u200f\u202e\ufeff\u0301\U0001f468"),
)
valid_texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
"""Valid Unicode the store can hold: what must always be taken in, however odd."""
texts = st.one_of(
    valid_texts,
    st.text(odd_chars, max_size=24),
    st.sampled_from(["", " ", "=HYPERLINK(1)", "+cmd", "@SUM(1)", "0001-01-01", "1e309"]),
    st.integers(200, 320).map(lambda n: "x" * n),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    texts,
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3)
)
good_times = st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())
times = st.one_of(
    good_times,
    good_times,
    st.sampled_from(
        ["2026-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"]
    ),
    st.sampled_from(["1767225600000", "-62135596800000", "2026-01-01", "2026-01-01T00:00:00"]),
    texts,
)


def _mostly(good: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``good`` nine times in ten: most items must get past decoding to poison later steps."""
    return st.integers(0, 9).flatmap(lambda k: odd if k == 4 else good)  # not a bound: rarer


def _ids(n: int) -> st.SearchStrategy[Any]:
    """Mostly ids unique to the example (``n``), sometimes anything at all."""
    unique = st.integers(0, 3).map(lambda k: f"{n}-{k}")
    return _mostly(unique, st.one_of(texts.map(lambda t: f"{n}-{t}"), json_values))


def _hubspot_item(n: int) -> st.SearchStrategy[dict[str, Any]]:
    names = st.sampled_from([*HUBSPOT_SCHEMA, "unknown_prop"])
    values = _mostly(st.one_of(valid_texts, texts), json_values)
    modified = _mostly(good_times, times)
    return st.fixed_dictionaries(
        {
            "id": _ids(n),
            "properties": st.dictionaries(names, values, max_size=8).flatmap(
                lambda props: modified.map(lambda t: {**props, "lastmodifieddate": t})
            ),
            "archived": _mostly(st.booleans(), json_values),
        }
    )


def _mailchimp_item(n: int) -> st.SearchStrategy[dict[str, Any]]:
    tags = st.sampled_from([*MAILCHIMP_SCHEMA.fields, "OTHER"])
    statuses = st.sampled_from(["subscribed", "unsubscribed", "cleaned", "pending", "archived"])
    return st.fixed_dictionaries(
        {
            "id": _ids(n),
            "email_address": _mostly(st.emails(), st.one_of(texts, json_values)),
            "status": _mostly(statuses, json_values),
            "last_changed": _mostly(good_times, times),
            "timestamp_opt": st.one_of(st.none(), good_times, times),
            "merge_fields": st.dictionaries(tags, _mostly(texts, json_values), max_size=6),
            "tags": st.lists(st.fixed_dictionaries({"name": texts}), max_size=3),
            "stats": st.one_of(st.none(), st.fixed_dictionaries({"avg_open_rate": st.floats()})),
            "member_rating": st.one_of(st.none(), st.integers(-(2**70), 2**70)),
        }
    )


Decoder = Callable[[Mapping[str, Any]], Record | Rejected]
VENDORS: dict[str, tuple[str, Callable[[int], st.SearchStrategy[dict[str, Any]]], Decoder]] = {
    "crm": ("contacts", _hubspot_item, lambda i: to_record(i, HUBSPOT_SCHEMA, "lastmodifieddate")),
    "newsletter": ("members", _mailchimp_item, lambda i: decode_member(i, MAILCHIMP_SCHEMA)),
}


@pytest.fixture
def runtime_without_connectors(engine: Engine) -> Runtime:
    config = load_config(DEMO_TEMPLATE, check_secrets=False).config
    rules = match_settings(config)
    clock = ManualClock()
    return Runtime(
        config, Store(engine), {}, [], clock, match_settings=rules, models=ModelKeeper(rules)
    )


def stream_of(rt: Runtime, system: str, name: str) -> Stream:
    config = rt.config.systems[system].streams[name]
    types = rt.config.field_types()
    smap = StreamMap(
        system,
        name,
        Role(rt.config.systems[system].role),
        Entity.PERSON,
        config.mapped(Direction.READ),
        config.mapped(Direction.WRITE),
        {k: types[k] for k in config.fields},
    )
    return Stream(system, name, StreamInfo(name, Entity.PERSON, frozenset()), config, smap)


@pytest.mark.parametrize("system", sorted(VENDORS))
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_item_is_taken_in_or_quarantined(
    runtime_without_connectors: Runtime, system: str, data: st.DataObject
) -> None:
    rt = runtime_without_connectors
    name, items_of, decode = VENDORS[system]
    n = next(EXAMPLE)
    items = data.draw(st.lists(items_of(n), min_size=1, max_size=4))
    decoded = [decode(item) for item in items]
    records = [d for d in decoded if isinstance(d, Record)]
    rejected = [d for d in decoded if isinstance(d, Rejected)]
    counts = PullCounts()

    take_in(rt, stream_of(rt, system, name), records, rejected, f"cursor-{n}", counts)

    with rt.store.transaction() as conn:
        ids = [record_id(system, name, r.external_id) for r in records]
        linked = customers.links_of_records(conn, [i for i in ids if not storable_problem(i)])
        held = {e["external_id"] for e in views.quarantined(conn, limit=100_000)}
    assert counts.staged.read == len(decoded)
    for record, rid in zip(records, ids, strict=True):
        assert rid in linked or storable(record.external_id) in held
