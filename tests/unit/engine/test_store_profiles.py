"""The profiles the identity model is fitted on are drawn the same way from the same data."""

from __future__ import annotations

from sqlalchemy import Engine

from sync.identity.profile import Profile, SourceRef, build_profile
from sync.identity.settings import MatchSettings
from sync.store import profiles
from sync.store.sql import Store

SETTINGS = MatchSettings()


def _people(n: int) -> dict[str, Profile]:
    return {
        f"crm:contacts:{i:03d}": build_profile(
            SourceRef("crm", "crm", f"{i:03d}"),
            {"first_name": f"Name{i}", "last_name": "Becker", "email": f"p{i}@example.org"},
            SETTINGS,
        )
        for i in range(60)
    }


def test_the_fitting_sample_is_the_same_for_the_same_data_whatever_the_storing_order(
    engine: Engine,
) -> None:
    people = _people(60)
    with Store(engine).transaction() as conn:
        profiles.save(conn, dict(reversed(list(people.items()))))
        drawn = [p.ref.record_id for p in profiles.sample(conn, 25, seed=7)]
        again = [p.ref.record_id for p in profiles.sample(conn, 25, seed=7)]
        other_seed = [p.ref.record_id for p in profiles.sample(conn, 25, seed=8)]
        every = [p.ref.record_id for p in profiles.sample(conn, 100, seed=7)]

    assert drawn == again
    assert (len(drawn), len(set(drawn))) == (25, 25)
    assert drawn == sorted(drawn), "in record id order, not in the order they were stored"
    assert other_seed != drawn
    assert every == sorted(r.removeprefix("crm:contacts:") for r in people)
