"""Checks across the configuration that one field's validator cannot see: references and secrets.

Each check yields ``(location, message)`` with the location as a path into the YAML document,
so the loader can name the line.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from connectors.base import Role
from sync.canonical import BUILTIN_FIELDS, DERIVED_FIELDS
from sync.config.model import CrmsyncConfig
from sync.config.secrets import SecretNotFoundError, is_reference, resolve

Problem = tuple[tuple[str | int, ...], str]


def cross_check(document: Mapping[str, Any]) -> Iterator[Problem]:
    """Unknown canonical fields, unknown systems, an ambiguous leader.

    Works on the raw document, so these problems are reported together with type errors.
    """
    systems = _mapping(document.get("systems"))
    known = set(BUILTIN_FIELDS) | set(_mapping(document.get("canonical_fields")))
    for name, system in systems.items():
        for stream, cfg in _mapping(_mapping(system).get("streams")).items():
            for field in _mapping(_mapping(cfg).get("fields")):
                if field not in known:
                    loc = ("systems", name, "streams", stream, "fields", field)
                    yield loc, f"unknown canonical field '{field}' (declare it in canonical_fields)"
    survivorship = _mapping(document.get("survivorship"))
    for field, owner in _mapping(survivorship.get("owners")).items():
        if field not in known or field in DERIVED_FIELDS:
            yield ("survivorship", "owners", field), f"'{field}' is not an ownable field"
        if owner not in systems:
            yield ("survivorship", "owners", field), f"unknown system '{owner}'"
    leader = survivorship.get("leader")
    if leader is not None and leader not in systems:
        yield ("survivorship", "leader"), f"unknown system '{leader}'"
    crms = [n for n, s in systems.items() if _mapping(s).get("role") == Role.CRM.value]
    if len(crms) > 1 and leader is None:
        yield ("systems",), "several CRM systems: set survivorship.leader"


def kind_problems(document: Mapping[str, Any], kinds: Collection[str]) -> Iterator[Problem]:
    """Every system whose connector kind is not among the installed ``kinds``."""
    installed = ", ".join(sorted(kinds)) or "none"
    for name, system in _mapping(document.get("systems")).items():
        kind = _mapping(system).get("kind")
        if isinstance(kind, str) and kind not in kinds:
            loc = ("systems", name, "kind")
            yield loc, f"unknown connector '{kind}' (installed: {installed})"


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def secret_problems(config: CrmsyncConfig, env: Mapping[str, str], base_dir: Path) -> list[Problem]:
    """Every credential reference (and a referenced store URL) that cannot be resolved."""
    return list(_unresolvable(config, env, base_dir))


def _unresolvable(
    config: CrmsyncConfig, env: Mapping[str, str], base_dir: Path
) -> Iterator[Problem]:
    refs: list[tuple[tuple[str | int, ...], str]] = [
        (("systems", name, "credentials", key), ref)
        for name, system in config.systems.items()
        for key, ref in system.credentials.items()
    ]
    if is_reference(config.store.url):
        refs.append((("store", "url"), config.store.url))
    if config.web.webhook_path_secret:
        refs.append((("web", "webhook_path_secret"), config.web.webhook_path_secret))
    for loc, ref in refs:
        try:
            resolve(ref, env, base_dir)
        except SecretNotFoundError as exc:
            yield loc, str(exc)
