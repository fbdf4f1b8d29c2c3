"""Incremental resolution: changed records against an index of stored records and customers."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.identity.compare import comparisons_for
from sync.identity.incremental import InMemoryIndex, resolve_changes
from sync.identity.model import MatchModel
from sync.identity.priors import prior_model
from sync.identity.profile import Profile, SourceRef, build_profile
from sync.identity.settings import MatchSettings

SETTINGS = MatchSettings()
MODEL = prior_model(comparisons_for(SETTINGS), records=100_000)


def person(system: str, record_id: str, role: str = "ma", **values: str) -> Profile:
    return build_profile(SourceRef(system, role, record_id), values, SETTINGS)


ANNA = {
    "first_name": "Anna",
    "last_name": "Schmidt",
    "email": "anna.schmidt@example.org",
    "birthday": "1984-02-03",
}
KEMAL = {"first_name": "Kemal", "last_name": "Öztürk", "phone": "+49 171 5550000"}


def store() -> InMemoryIndex:
    index = InMemoryIndex(SETTINGS)
    index.add(
        [person("crm", "1", "crm", **ANNA), person("crm", "2", "crm", **KEMAL)],
        ["cust-anna", "cust-kemal"],
    )
    return index


def test_a_new_record_of_a_stored_person_joins_their_customer() -> None:
    changed = [person("shop", "s1", **ANNA)]

    actual = resolve_changes(changed, store(), MODEL, SETTINGS)

    assert [r.customer_id for r in actual] == ["cust-anna"]
    assert actual[0].link is not None
    assert actual[0].link.explanation.rule is not None


def test_a_stranger_starts_a_new_customer() -> None:
    changed = [person("shop", "s1", first_name="Lena", last_name="Vogel", email="lv@example.org")]

    actual = resolve_changes(changed, store(), MODEL, SETTINGS)

    assert (actual[0].customer_id, actual[0].new_group) == (None, changed[0].ref.key)


def test_two_new_records_of_one_new_person_share_a_new_group() -> None:
    lena = {"first_name": "Lena", "last_name": "Vogel", "email": "lena.vogel@example.org"}
    changed = [person("shop", "s1", **lena), person("ma", "m1", **lena)]

    actual = resolve_changes(changed, store(), MODEL, SETTINGS)

    assert actual[0].customer_id is None
    assert actual[0].new_group == actual[1].new_group


def test_a_crm_duplicate_of_a_stored_crm_record_is_flagged() -> None:
    changed = [person("crm", "9", "crm", **ANNA)]

    actual = resolve_changes(changed, store(), MODEL, SETTINGS)[0]

    assert actual.customer_id is None
    assert [d.right.record_id for d in actual.crm_duplicates] == ["1"]


def test_a_record_bridging_two_customers_joins_at_most_one() -> None:
    bridge = {**ANNA, "phone": KEMAL["phone"]}
    changed = [person("shop", "s1", **bridge)]

    actual = resolve_changes(changed, store(), MODEL, SETTINGS)[0]

    assert actual.customer_id in (None, "cust-anna")


def test_a_persisted_model_scores_the_same() -> None:
    restored = MatchModel.from_json(MODEL.to_json())
    changed = [person("shop", "s1", **ANNA)]

    actual = resolve_changes(changed, store(), restored, SETTINGS)

    assert actual == resolve_changes(changed, store(), MODEL, SETTINGS)


PEOPLE = [
    ("crm", "crm", {**ANNA, "phone": "0171 1111111"}),
    ("shop", "shop", {**ANNA, "email": "ANNA.SCHMIDT@example.org"}),
    ("ma", "ma", {**ANNA, "last_name": "Schmitt", "phone": "+49 171 1111111"}),
    ("crm", "crm", KEMAL),
    ("ma", "ma", {**KEMAL, "first_name": "Kemal", "last_name": "Ozturk"}),
    ("shop", "shop", {"first_name": "Lena", "last_name": "Vogel", "email": "lv@example.org"}),
    ("ma", "ma", {"first_name": "Lena", "last_name": "Vogel", "email": "lv@example.org"}),
]


def arrive(order: list[int]) -> set[frozenset[int]]:
    """Resolve the records one at a time in ``order``; return the final customers.

    Every pair within a person agrees strongly, so no arrival order can leave a record that
    bridges two stored customers (that case goes to review by design and may depend on order).
    """
    index = InMemoryIndex(SETTINGS)
    customer_of: dict[int, str] = {}
    for number in order:
        system, role, values = PEOPLE[number]
        profile = person(system, f"r{number}", role, **values)
        resolution = resolve_changes([profile], index, MODEL, SETTINGS)[0]
        customer = resolution.customer_id or f"cust-{number}"
        index.add([profile], [customer])
        customer_of[number] = customer
    groups: dict[str, set[int]] = {}
    for number, customer in customer_of.items():
        groups.setdefault(customer, set()).add(number)
    return {frozenset(g) for g in groups.values()}


@settings(max_examples=10, deadline=None)
@given(st.permutations(list(range(len(PEOPLE)))))
def test_order_of_arrival_does_not_change_clear_customers(order: list[int]) -> None:
    actual = arrive(order)

    assert actual == {frozenset({0, 1, 2}), frozenset({3, 4}), frozenset({5, 6})}
