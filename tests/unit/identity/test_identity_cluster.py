"""Decisions and clustering: rules, the CRM-duplicate flag, vetoes, no chaining of weak links."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.identity import decision as dc
from sync.identity.batch import Resolved, resolve_table
from sync.identity.cluster import cluster
from sync.identity.profile import Profile, SourceRef, build_profile
from sync.identity.scoring import ScoredPairs, decide_pair, explain
from sync.identity.settings import ClusterPolicy, MatchSettings, Rule
from sync.identity.table import table_of

SETTINGS = MatchSettings()


def person(system: str, record_id: str, role: str = "ma", **values: str) -> Profile:
    return build_profile(SourceRef(system, role, record_id), values, SETTINGS)


def resolve(profiles: list[Profile], **options: object) -> Resolved:
    return resolve_table(table_of(profiles), SETTINGS, **options)  # type: ignore[arg-type]


def groups(resolved: Resolved) -> set[frozenset[str]]:
    members: dict[int, set[str]] = {}
    for row, label in enumerate(resolved.clustering.labels.tolist()):
        members.setdefault(label, set()).add(resolved.table.refs[row].record_id)
    return {frozenset(m) for m in members.values()}


def decision(resolved: Resolved, left: str, right: str) -> dc.PairDecision:
    ids = [r.record_id for r in resolved.table.refs]
    a, b = sorted((ids.index(left), ids.index(right)))
    k = int(np.flatnonzero((resolved.scored.i == a) & (resolved.scored.j == b))[0])
    return explain(resolved.scored, k, resolved.table, resolved.model, SETTINGS)


ANNA = {"first_name": "Anna", "last_name": "Schmidt", "email": "anna.schmidt@example.org"}


def test_same_email_and_name_merge_by_rule() -> None:
    resolved = resolve([person("crm", "1", "crm", **ANNA), person("shop", "7", **ANNA)])

    actual = decision(resolved, "1", "7").explanation

    assert (actual.outcome, actual.rule) == (dc.Outcome.MERGE, Rule.EMAIL)
    assert groups(resolved) == {frozenset({"1", "7"})}


def test_shared_family_mailbox_is_not_a_rule_match() -> None:
    mailbox = "familie.yilmaz@example.org"
    resolved = resolve(
        [
            person("shop", "1", first_name="Ayşe", last_name="Yılmaz", email=mailbox),
            person("shop", "2", first_name="Mehmet", last_name="Yılmaz", email=mailbox),
        ]
    )

    actual = decision(resolved, "1", "2").explanation

    assert actual.rule is None
    assert actual.outcome != dc.Outcome.MERGE


def test_crm_id_stored_in_another_system_merges() -> None:
    resolved = resolve(
        [
            person("crm", "42", "crm", first_name="Jan", last_name="Weber"),
            person("ma", "x9", **{"first_name": "J.", "last_name": "Weber", "id:crm": "42"}),
        ]
    )

    actual = decision(resolved, "42", "x9").explanation

    assert (actual.outcome, actual.rule) == (dc.Outcome.MERGE, Rule.CRM_ID)


def test_two_crm_records_of_one_person_are_flagged_not_merged() -> None:
    resolved = resolve([person("crm", "1", "crm", **ANNA), person("crm", "2", "crm", **ANNA)])

    actual = decision(resolved, "1", "2").explanation

    assert (actual.outcome, actual.veto) == (dc.Outcome.CRM_DUPLICATE, dc.Veto.SAME_CRM)
    assert groups(resolved) == {frozenset({"1"}), frozenset({"2"})}


def test_shop_record_joins_only_one_of_two_crm_duplicates() -> None:
    profiles = [
        person("crm", "1", "crm", **ANNA),
        person("crm", "2", "crm", **ANNA),
        person("shop", "s", **ANNA),
    ]

    actual = groups(resolve(profiles))

    assert actual == {frozenset({"1", "s"}), frozenset({"2"})}


def test_records_claiming_different_crm_ids_go_to_review() -> None:
    resolved = resolve(
        [
            person("ma", "a", **ANNA, **{"id:crm": "1"}),
            person("shop", "b", **ANNA, **{"id:crm": "2"}),
        ]
    )

    actual = decision(resolved, "a", "b").explanation

    assert (actual.outcome, actual.veto) == (dc.Outcome.REVIEW, dc.Veto.ID_CONFLICT)


def test_operator_split_keeps_records_apart() -> None:
    profiles = [person("crm", "1", "crm", **ANNA), person("shop", "7", **ANNA)]
    split = {frozenset((profiles[0].ref.key, profiles[1].ref.key))}

    resolved = resolve(profiles, kept_apart=split)

    assert decision(resolved, "1", "7").explanation.veto == dc.Veto.KEPT_APART
    assert groups(resolved) == {frozenset({"1"}), frozenset({"7"})}


def test_explanation_lists_every_comparison() -> None:
    resolved = resolve([person("crm", "1", "crm", **ANNA), person("shop", "7", **ANNA)])

    actual = {f.comparison: f.level for f in decision(resolved, "1", "7").explanation.fields}

    assert actual["email"] == "exact"
    assert actual["phone"] == "no_data"


def chain_scores(
    n: int, merges: list[tuple[int, int]], apart: list[tuple[int, int]]
) -> ScoredPairs:
    """Hand-made scored pairs: ``merges`` at the merge level, ``apart`` clearly different."""
    pairs = merges + apart
    outcomes = [dc.MERGE] * len(merges) + [dc.APART] * len(apart)
    size = len(pairs)
    return ScoredPairs(
        i=np.array([p[0] for p in pairs], dtype=np.int32),
        j=np.array([p[1] for p in pairs], dtype=np.int32),
        levels=np.zeros((size, 0), dtype=np.int8),
        weights=np.array([20.0 - k for k in range(len(merges))] + [-20.0] * len(apart)),
        rules=np.full(size, dc.NO_RULE, dtype=np.int8),
        vetoes=np.zeros(size, dtype=np.int8),
        outcomes=np.array(outcomes, dtype=np.int8),
        prior_log2_odds=-10.0,
    )


def no_extra(i: np.ndarray, j: np.ndarray) -> ScoredPairs:
    return chain_scores(0, [], [])


def labels_as_sets(labels: np.ndarray) -> set[frozenset[int]]:
    found: dict[int, set[int]] = {}
    for row, label in enumerate(labels.tolist()):
        found.setdefault(label, set()).add(row)
    return {frozenset(m) for m in found.values()}


def test_a_chain_of_links_does_not_make_one_cluster() -> None:
    scored = chain_scores(3, merges=[(0, 1), (1, 2)], apart=[(0, 2)])

    actual = cluster(3, scored, no_extra, ClusterPolicy(), rank=np.arange(3))

    assert labels_as_sets(actual.labels) == {frozenset({0, 1}), frozenset({2})}
    assert actual.refused.tolist() == [1]


def test_a_record_matching_all_members_joins() -> None:
    scored = chain_scores(3, merges=[(0, 1), (1, 2), (0, 2)], apart=[])

    actual = cluster(3, scored, no_extra, ClusterPolicy(), rank=np.arange(3))

    assert labels_as_sets(actual.labels) == {frozenset({0, 1, 2})}


@settings(max_examples=40, deadline=None)
@given(st.randoms(use_true_random=False))
def test_input_order_does_not_change_clusters(rng: random.Random) -> None:
    base = [
        person("crm", "1", "crm", **ANNA),
        person(
            "shop", "2", first_name="Anna", last_name="Schmitt", email="anna.schmidt@example.org"
        ),
        person("ma", "3", first_name="Ana", last_name="Schmidt", phone="0171 5550123"),
        person("ma", "4", first_name="Anna", last_name="Schmidt", phone="0171 5550123"),
        person(
            "crm", "5", "crm", first_name="Kemal", last_name="Öztürk", email="kemal@example.org"
        ),
        person("shop", "6", first_name="Kemal", last_name="Ozturk", email="kemal@example.org"),
    ]
    shuffled = base[:]
    rng.shuffle(shuffled)

    actual = groups(resolve(shuffled))

    assert actual == groups(resolve(base))


EDGE_KINDS = st.sampled_from([dc.MERGE, dc.MERGE, dc.APART, dc.REVIEW])


@st.composite
def scored_graphs(draw: st.DrawFn) -> tuple[int, ScoredPairs]:
    """Random small graphs of merge, review and apart pairs, some vetoed."""
    n = draw(st.integers(min_value=2, max_value=9))
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=1, max_size=20)
    )
    unique = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})
    kinds = [draw(EDGE_KINDS) for _ in unique]
    vetoed = [draw(st.booleans()) and draw(st.booleans()) for _ in unique]
    size = len(unique)
    return n, ScoredPairs(
        i=np.array([p[0] for p in unique], dtype=np.int32),
        j=np.array([p[1] for p in unique], dtype=np.int32),
        levels=np.zeros((size, 0), dtype=np.int8),
        weights=np.array([10.0 if k == dc.MERGE else -20.0 for k in kinds]),
        rules=np.full(size, dc.NO_RULE, dtype=np.int8),
        vetoes=np.array([1 if v else 0 for v in vetoed], dtype=np.int8),
        outcomes=np.array(kinds, dtype=np.int8),
        prior_log2_odds=-10.0,
    )


@settings(max_examples=200, deadline=None)
@given(scored_graphs())
def test_clusters_never_hold_a_vetoed_pair_and_pairs_need_a_merge(
    graph: tuple[int, ScoredPairs],
) -> None:
    n, scored = graph

    actual = cluster(n, scored, no_extra, ClusterPolicy(), rank=np.arange(n)).labels

    for k in range(len(scored)):
        a, b = int(scored.i[k]), int(scored.j[k])
        if scored.vetoes[k]:
            assert actual[a] != actual[b]
    for label in set(actual.tolist()):
        members = np.flatnonzero(actual == label)
        if len(members) == 2:
            pair = (scored.i == members[0]) & (scored.j == members[1])
            assert (scored.outcomes[pair] == dc.MERGE).any()


def test_a_pair_is_explained_on_its_own_and_survives_json() -> None:
    model = resolve([person("crm", "1", "crm", **ANNA), person("shop", "7", **ANNA)]).model
    left, right = person("crm", "1", "crm", **ANNA), person("shop", "7", **ANNA)

    actual = decide_pair(left, right, model, SETTINGS).explanation

    assert (actual.outcome, actual.rule) == (dc.Outcome.MERGE, Rule.EMAIL)
    assert dc.explanation_from_json(dc.explanation_to_json(actual)) == actual
