"""The typed shape of a crmsync configuration file, validated by pydantic.

Secrets are never literal: a credential is a ``${ENV_VAR}`` or ``${file:/path}`` reference,
resolved only when a connector is built (see :mod:`sync.config.secrets`).
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.base import Role
from sync.canonical import BUILTIN_FIELDS, FieldType
from sync.config.storeurl import store_url_problem

SECRET_REF = re.compile(r"^\$\{(?:file:[^}]+|[A-Za-z_][A-Za-z0-9_]*)\}$")
_DURATION = re.compile(r"^(\d+)\s*(s|m|h|d)$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
NAME = r"^[a-z][a-z0-9_-]{0,39}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SecretRef = Annotated[
    str,
    Field(
        pattern=SECRET_REF.pattern,
        description="A reference, never the secret itself: ${ENV_VAR} or ${file:/path}.",
    ),
]


class MatchRule(StrEnum):
    EXTERNAL_ID = "external_id"
    CRM_ID = "crm_id"
    EMAIL = "email"
    PHONE_NAME = "phone_name"


class Direction(StrEnum):
    READ = "read"
    WRITE = "write"
    BOTH = "both"


class CreatePolicy(StrEnum):
    """When the engine may create a record in a target that does not have the customer yet."""

    NEVER = "never"
    CONSENTED = "consented"
    ALWAYS = "always"


class FieldMap(Strict):
    field: str = Field(description="The vendor's field name, e.g. merge_fields.FNAME.")
    direction: Direction = Direction.BOTH


class Schedule(Strict):
    """Either ``every: 5m`` or ``cron: "*/5 * * * *"``."""

    every: str | None = Field(default=None, description="Interval such as 30s, 5m, 1h, 1d.")
    cron: str | None = Field(default=None, description="Five-field crontab expression.")

    @field_validator("every")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and not _DURATION.match(value.strip()):
            raise ValueError("use a number and a unit: 30s, 5m, 1h or 1d")
        return value

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError("a cron expression has five fields")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.every is None) == (self.cron is None):
            raise ValueError("give exactly one of 'every' or 'cron'")
        return self

    def interval(self) -> timedelta | None:
        if self.every is None:
            return None
        number, unit = _DURATION.match(self.every.strip()).groups()  # type: ignore[union-attr]
        return timedelta(seconds=int(number) * _UNITS[unit])


class StreamConfig(Strict):
    fields: dict[str, str | FieldMap] = Field(
        description="Canonical field name to vendor field (a string maps both ways)."
    )
    schedule: Schedule = Field(default_factory=lambda: Schedule(every="5m"))
    create: CreatePolicy = Field(
        default=CreatePolicy.NEVER,
        description="Create records here for customers this system does not have yet.",
    )
    push: bool = Field(default=True, description="Write merged data back to this stream.")

    def mapped(self, direction: Direction) -> dict[str, str]:
        """Canonical → vendor field for the fields that flow in ``direction``."""
        out: dict[str, str] = {}
        for canonical, spec in self.fields.items():
            entry = spec if isinstance(spec, FieldMap) else FieldMap(field=spec)
            if entry.direction in (direction, Direction.BOTH):
                out[canonical] = entry.field
        return out


class HttpConfig(Strict):
    timeout_s: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=6, ge=1, le=20)
    max_retry_s: float = Field(default=120.0, ge=0)


class SystemConfig(Strict):
    kind: str = Field(description="Connector kind: the entry-point name, e.g. hubspot.")
    role: Role
    base_url: str | None = Field(default=None, description="Defaults to the vendor's API.")
    credentials: dict[str, SecretRef] = Field(default_factory=dict)
    options: dict[str, Any] = Field(default_factory=dict)
    http: HttpConfig = Field(default_factory=HttpConfig)
    streams: dict[Annotated[str, Field(pattern=NAME)], StreamConfig]


class CustomField(Strict):
    type: FieldType


class Survivorship(Strict):
    leader: str | None = Field(
        default=None, description="System whose values win for its fields (default: the CRM)."
    )
    owners: dict[str, str] = Field(
        default_factory=dict, description="Canonical field to the system that owns it."
    )


class Thresholds(Strict):
    """Match probabilities: merge at or above ``merge``, review from ``review``, else apart."""

    merge: float = Field(default=0.98, gt=0, lt=1)
    review: float = Field(default=0.6, gt=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.review > self.merge:
            raise ValueError("review must not be above merge")
        return self


class LevelWeights(Strict):
    m: list[Annotated[float, Field(gt=0, lt=1)]] | None = None
    u: list[Annotated[float, Field(gt=0, lt=1)]] | None = None


class CrmDuplicates(StrEnum):
    """What to do with two records of the leading CRM that are the same person."""

    FLAG = "flag"
    MERGE = "merge"


class IdentityConfig(Strict):
    rules: list[MatchRule] = Field(
        default_factory=lambda: list(MatchRule),
        description="Deterministic match rules, tried in this order before fuzzy matching.",
    )
    fuzzy: bool = True
    thresholds: Thresholds = Field(default_factory=Thresholds)
    crm_duplicates: CrmDuplicates = Field(
        default=CrmDuplicates.FLAG,
        description="flag: put CRM-internal duplicates in the review queue for the CRM's "
        "owners; merge: also merge them through the CRM's own merge API.",
    )
    default_region: str = Field(default="DE", pattern=r"^[A-Z]{2}$")
    gmail_dots: bool = False
    plus_tags: bool = False
    overrides: dict[str, LevelWeights] = Field(
        default_factory=dict,
        description="Fixed m and/or u per comparison (one probability per level), replacing "
        "what estimation from the store's data finds.",
    )


class StoreConfig(Strict):
    url: str = Field(
        default="sqlite:///crmsync.sqlite",
        description=(
            "SQLAlchemy URL (sqlite:///path, postgresql+psycopg://user@host/db), or a "
            "${ENV_VAR} / ${file:/path} reference when it carries a password."
        ),
    )

    @field_validator("url")
    @classmethod
    def _no_literal_password(cls, value: str) -> str:
        if not SECRET_REF.match(value) and re.match(r"^[^:]+://[^/@:]+:[^/@]+@", value):
            raise ValueError("the URL holds a password: reference it as ${ENV_VAR} instead")
        return value

    @field_validator("url")
    @classmethod
    def _a_store_url(cls, value: str) -> str:
        problem = None if SECRET_REF.match(value) else store_url_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class WebConfig(Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    webhook_path_secret: SecretRef | None = None


class CrmsyncConfig(Strict):
    """The whole configuration file."""

    store: StoreConfig = Field(default_factory=StoreConfig)
    systems: dict[Annotated[str, Field(pattern=NAME)], SystemConfig]
    canonical_fields: dict[str, CustomField] = Field(default_factory=dict)
    survivorship: Survivorship = Field(default_factory=Survivorship)
    identity: IdentityConfig = Field(default_factory=IdentityConfig)
    web: WebConfig = Field(default_factory=WebConfig)

    def field_types(self) -> dict[str, FieldType]:
        return {**BUILTIN_FIELDS, **{k: v.type for k, v in self.canonical_fields.items()}}

    def leader(self) -> str | None:
        if self.survivorship.leader:
            return self.survivorship.leader
        return next((n for n, s in self.systems.items() if s.role is Role.CRM), None)
