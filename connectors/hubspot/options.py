"""The HubSpot connector's options, validated once; a bad one is a :class:`ConfigurationError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.base import ConfigurationError

LegalBasis = Literal[
    "LEGITIMATE_INTEREST_PQL",
    "LEGITIMATE_INTEREST_CLIENT",
    "PERFORMANCE_OF_CONTRACT",
    "CONSENT_WITH_NOTICE",
    "NON_GDPR",
    "PROCESS_AND_STORE",
    "LEGITIMATE_INTEREST_OTHER",
]


class HubSpotOptions(BaseModel):
    """Options under ``systems.<name>.options``; defaults are HubSpot's documented limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    page_size: int = Field(100, ge=1, le=100)
    search_page_size: int = Field(200, ge=1, le=200)
    rate_limit: int = Field(190, ge=1)
    rate_window_s: float = Field(10.0, gt=0)
    rate_headroom: int = Field(0, ge=0)
    search_rate_limit: int = Field(5, ge=1)
    search_rate_window_s: float = Field(1.0, gt=0)
    search_overlap_s: float = Field(60.0, ge=0)
    """How far an incremental read reaches back, to catch writes the search index had not
    caught up with yet (HubSpot: up to ~60 s for updates)."""
    app_id: str | None = None
    """Our app's id; webhook events whose ``sourceId`` names it are our own writes."""
    legal_basis: LegalBasis | None = None
    legal_basis_explanation: str | None = None
    subscription_id: int | None = None
    """The subscription type an explicit re-subscription is written to (needs ``legal_basis``)."""
    opt_out_batch_size: int = Field(100, ge=1)
    """Email opt-outs per batch unsubscribe-all call; HubSpot documents no cap for it."""
    company_id_property: str | None = None
    """A company property with unique values to upsert by; ``domain`` is not unique in HubSpot."""

    @property
    def can_resubscribe(self) -> bool:
        return self.legal_basis is not None and self.subscription_id is not None


def load_options(system: str, raw: Mapping[str, Any]) -> HubSpotOptions:
    """Validate ``raw``; every problem is listed in one :class:`ConfigurationError`."""
    try:
        return HubSpotOptions.model_validate(dict(raw))
    except ValidationError as exc:
        problems = "; ".join(
            f"options.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigurationError(f"{system}: {problems}") from None
