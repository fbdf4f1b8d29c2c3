"""End-to-end fixtures: the cast of people seeded into both sandboxes (the world and runtime
fixtures are shared from ``tests/conftest.py``)."""

from __future__ import annotations

import pytest
from cast import BOTH, CRM_ONLY, MA_ONLY

from connectors.toolkit.clock import ManualClock
from connectors.toolkit.sandbox import SeedPerson
from sync.demo.world import World


@pytest.fixture
def seeded(world: World, clock: ManualClock) -> dict[str, list[str]]:
    """CRM and MA ids of the people above; in the MA, John has unsubscribed."""
    crm_ids = world.sandboxes["crm"].seed([*BOTH, *CRM_ONLY])
    in_ma = [
        SeedPerson(p.email, p.first_name, p.last_name, email_status="subscribed") for p in BOTH
    ]
    in_ma[2] = SeedPerson(BOTH[2].email, "John", "Smith", email_status="unsubscribed")
    in_ma[0] = SeedPerson(BOTH[0].email, "Anne", "Müller", email_status="subscribed")
    ma_ids = world.sandboxes["newsletter"].seed([*in_ma, *MA_ONLY])
    clock.advance(60)
    return {"crm": crm_ids, "newsletter": ma_ids}
