"""The consent rule: an opt-out is never overwritten by an older or implied opt-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from connectors.base import ConsentStatus
from sync.consent import ConsentEvent, golden_consent

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def event(status: ConsentStatus, hours: int, *, explicit: bool = True, system: str = "ma"):
    return ConsentEvent(system, status, T0 + timedelta(hours=hours), explicit)


def test_nothing_known_gives_nothing() -> None:
    assert golden_consent([event(ConsentStatus.UNKNOWN, 1)]) is None


def test_newer_withdrawal_beats_older_grant() -> None:
    events = [event(ConsentStatus.GRANTED, 1), event(ConsentStatus.WITHDRAWN, 2, system="crm")]

    actual = golden_consent(events)

    assert actual is not None
    assert (actual.status, actual.system) == (ConsentStatus.WITHDRAWN, "crm")


def test_older_grant_never_overrides_withdrawal() -> None:
    events = [event(ConsentStatus.WITHDRAWN, 5), event(ConsentStatus.GRANTED, 4, system="crm")]

    actual = golden_consent(events)

    assert actual is not None
    assert actual.status is ConsentStatus.WITHDRAWN


def test_implied_grant_after_withdrawal_does_not_resubscribe() -> None:
    events = [event(ConsentStatus.WITHDRAWN, 1), event(ConsentStatus.GRANTED, 9, explicit=False)]

    actual = golden_consent(events)

    assert actual is not None
    assert actual.status is ConsentStatus.WITHDRAWN


def test_explicit_grant_after_withdrawal_resubscribes() -> None:
    events = [event(ConsentStatus.WITHDRAWN, 1), event(ConsentStatus.GRANTED, 9)]

    actual = golden_consent(events)

    assert actual is not None
    assert actual.status is ConsentStatus.GRANTED


def test_at_equal_times_the_more_restrictive_wins() -> None:
    events = [event(ConsentStatus.GRANTED, 3), event(ConsentStatus.WITHDRAWN, 3, system="crm")]

    actual = golden_consent(events)

    assert actual is not None
    assert actual.status is ConsentStatus.WITHDRAWN


statuses = st.sampled_from(list(ConsentStatus))
events_strategy = st.lists(
    st.builds(
        ConsentEvent,
        system=st.sampled_from(["crm", "ma", "shop"]),
        status=statuses,
        at=st.integers(0, 50).map(lambda h: T0 + timedelta(hours=h)),
        is_explicit=st.booleans(),
    ),
    max_size=12,
)


@given(events_strategy, st.randoms())
def test_delivery_order_and_replays_do_not_change_the_outcome(events, rnd) -> None:
    shuffled = events + events[: len(events) // 2]
    rnd.shuffle(shuffled)

    assert golden_consent(shuffled) == golden_consent(events)


@given(events_strategy, st.integers(0, 50), st.booleans())
def test_a_withdrawal_survives_any_older_or_implied_grant(events, hour, explicit) -> None:
    withdrawal = event(ConsentStatus.WITHDRAWN, 60)
    late_grant = ConsentEvent("ma", ConsentStatus.GRANTED, T0 + timedelta(hours=hour), explicit)
    implied = ConsentEvent("crm", ConsentStatus.GRANTED, T0 + timedelta(hours=70), False)

    actual = golden_consent([*events, withdrawal, late_grant, implied])

    assert actual is not None
    assert actual.status is ConsentStatus.WITHDRAWN
