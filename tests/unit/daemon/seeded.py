"""The people the daemon's tests seed (their personal data must never reach a log line) and
the running setup the fixtures hand out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson
from sync.demo.world import World
from sync.runtime import Runtime

CRM_PEOPLE = [
    SeedPerson(
        email="ayse.yilmaz@example.com",
        first_name="Ayşe",
        last_name="Yılmaz",
        phone="+49 30 1234567",
        city="Berlin",
    ),
    SeedPerson(
        email="juergen.schaefer@example.de",
        first_name="Jürgen",
        last_name="Schäfermeier",
        phone="0171 2345678",
    ),
    SeedPerson(
        email="olivia.pemberton@example.co.uk",
        first_name="Olivia",
        last_name="Pemberton-Hale",
        phone="+44 20 7946 0958",
    ),
]
MA_PEOPLE = [
    SeedPerson(
        email="juergen.schaefer@example.de",
        first_name="Jürgen",
        last_name="Schäfermeier",
        email_status="subscribed",
    ),
    SeedPerson(
        email="mehmet.oezdemirci@example.net",
        first_name="Mehmet",
        last_name="Özdemirci",
        phone="+90 212 555 1234",
        email_status="unsubscribed",
    ),
]


def personal_values() -> set[str]:
    """Every seeded value a log line must never contain."""
    found: set[str] = set()
    for person in CRM_PEOPLE + MA_PEOPLE:
        found |= {v for v in (person.email, person.last_name, person.phone) if v}
    return found


@dataclass
class Setup:
    world: World
    clock: ManualClock
    rt: Runtime
    crm_ids: list[str]
    ma_ids: list[str]

    def secrets(self) -> set[str]:
        return set(self.world.env.values())

    def close(self) -> None:
        self.rt.close()
        self.rt.store.engine.dispose()
        self.world.close()


MakeSetup = Callable[..., Setup]
