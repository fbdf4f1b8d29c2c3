"""The engine's side of identity resolution: match settings from the configuration, profiles
of canonical records, and the lifecycle of the fitted model.

The model's m and u weights are estimated from the store's own data (EM, no labels). It is
fitted once the store holds enough people and fitted again whenever the store has grown
fourfold since, so it follows the data without refitting on every cycle; until then the built-in
prior weights are used. Fitted models are kept in the store, so every replica uses the same.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Connection, select

from sync.config.model import CrmsyncConfig, MatchRule
from sync.identity.batch import train_model
from sync.identity.compare import comparisons_for
from sync.identity.model import MatchModel
from sync.identity.normalize.email import GMAIL_RULES, EmailRules
from sync.identity.priors import prior_model
from sync.identity.profile import CANONICAL_FIELDS, Profile, SourceRef, build_profile
from sync.identity.settings import LevelOverride, MatchSettings, Rule, Thresholds
from sync.identity.table import table_of
from sync.records import CanonicalRecord
from sync.store import profiles
from sync.store.tables import IdentityModelRow

log = structlog.get_logger("sync.identity")
MODELS = IdentityModelRow.__table__  # type: ignore[attr-defined]
FIT_AT_LEAST = 2000
"""People in the store before a model is fitted; below, the prior weights serve."""
FIT_SAMPLE = 30_000
"""Profiles drawn from the store to fit a model on."""
REFIT_GROWTH = 4
"""A model is fitted again once the store holds this many times the people it was fitted on."""

_RULES = {
    MatchRule.EXTERNAL_ID: Rule.SHARED_EXTERNAL_ID,
    MatchRule.CRM_ID: Rule.CRM_ID,
    MatchRule.EMAIL: Rule.EMAIL,
    MatchRule.PHONE_NAME: Rule.PHONE_NAME,
}


def match_settings(config: CrmsyncConfig) -> MatchSettings:
    ident = config.identity
    email = GMAIL_RULES if ident.gmail_dots else EmailRules()
    if ident.plus_tags and not ident.gmail_dots:
        email = EmailRules(strip_plus_tags=True)
    return MatchSettings(
        email_rules=email,
        default_region=ident.default_region,
        default_country=ident.default_region,
        rules=tuple(_RULES[r] for r in ident.rules),
        thresholds=Thresholds(merge_at=ident.thresholds.merge, review_at=ident.thresholds.review),
        overrides=tuple(
            LevelOverride(
                name,
                tuple(w.m) if w.m is not None else None,
                tuple(w.u) if w.u is not None else None,
            )
            for name, w in ident.overrides.items()
        ),
    )


MATCHED_FIELDS = frozenset({*CANONICAL_FIELDS, "crm_id", "domain"})
"""Canonical fields a record's match profile and keys are built from (``domain`` keys
organisations): writing one of them means the record must be indexed again."""


def profile_of(
    record: CanonicalRecord, role: str, leader: str | None, settings: MatchSettings
) -> Profile:
    """The profile of a person record; a CRM id kept by another system is an identity claim."""
    values: dict[str, str | None] = {
        name: _text(record.fields.get(name)) for name in CANONICAL_FIELDS if name in record.fields
    }
    crm_id = record.fields.get("crm_id")
    if leader and crm_id and record.system != leader:
        values[f"id:{leader}"] = str(crm_id)
    return build_profile(SourceRef(record.system, role, record.external_id), values, settings)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


@dataclass
class _Fitted:
    row_id: int | None
    records: int
    model: MatchModel


class ModelKeeper:
    """Hands out the current model; fits a new one, when the store has grown enough, only
    when told that a stream's pull has completed.

    Fitting at the end of a complete pull, never between its pages, makes the model every
    record is matched with depend on the data alone: a pull cut short by a crash and resumed
    by another process, or split into other pages, fits the same model on the same store.
    """

    def __init__(self, settings: MatchSettings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._current: _Fitted | None = None

    def model(self, conn: Connection, now: datetime) -> MatchModel:
        """The newest stored model, or the prior weights before one is fitted."""
        with self._lock:
            stored = self._latest(conn)
            if stored is None:
                return prior_model(comparisons_for(self._settings), max(profiles.count(conn), 2))
            self._current = stored
            return stored.model

    def refit(self, conn: Connection, now: datetime) -> bool:
        """Fit a new model if the store has grown enough since the last; True if it did."""
        with self._lock:
            stored = self._latest(conn)
            people = profiles.count(conn)
            if people < FIT_AT_LEAST or (
                stored is not None and people < REFIT_GROWTH * stored.records
            ):
                return False
            self._current = self._fit(conn, people, now)
            return True

    def _latest(self, conn: Connection) -> _Fitted | None:
        query = select(MODELS.c.id, MODELS.c.model).order_by(MODELS.c.id.desc()).limit(1)
        row = conn.execute(query).first()
        if row is None:
            return None
        if self._current is not None and self._current.row_id == row.id:
            return self._current
        data = row.model
        return _Fitted(row.id, int(data["records"]), MatchModel.from_json(data["weights"]))

    def _fit(self, conn: Connection, people: int, now: datetime) -> _Fitted:
        sample = profiles.sample(conn, FIT_SAMPLE, self._settings.seed)
        model = train_model(table_of(sample, [n for n, _ in self._settings.extras]), self._settings)
        data = {"records": people, "sample": len(sample), "weights": model.to_json()}
        row_id = conn.execute(
            MODELS.insert().values(fitted_at=now, model=data)
        ).inserted_primary_key
        log.info("identity.model_fitted", people=people, sample=len(sample))
        return _Fitted(int(row_id[0]) if row_id else None, people, model)
