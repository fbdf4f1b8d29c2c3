"""Loading a YAML configuration file and reporting every problem with file, line and path.

Parsing keeps the YAML node positions (ruamel.yaml round-trip mode) so that each pydantic
error, each cross-reference error and each unresolvable secret can name the line it is on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError

from sync.config.checks import Problem, cross_check, kind_problems, secret_problems
from sync.config.model import CrmsyncConfig

Loc = tuple[str | int, ...]
ConfigCheck = Callable[["LoadedConfig"], Iterable[Problem]]
"""A check that needs more than this package knows (such as the installed connectors)."""

_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
}
_SECRET_MESSAGE = "secrets are never literal: write a ${ENV_VAR} or ${file:/path} reference"
_NAME_MESSAGE = "names are lower-case letters, digits, '-' and '_', starting with a letter"


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        if self.line is None and not self.path:  # the file as a whole: missing, unreadable
            return f"{self.file}: {self.message}"
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(top level)'}: {self.message}"


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists every problem found at once."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class LoadedConfig:
    config: CrmsyncConfig
    path: Path

    @property
    def base_dir(self) -> Path:
        return self.path.parent


def load_config(
    path: Path | str,
    *,
    check_secrets: bool = True,
    env: Mapping[str, str] | None = None,
    kinds: Collection[str] | None = None,
    checks: Sequence[ConfigCheck] = (),
) -> LoadedConfig:
    """Read, validate and cross-check a configuration file.

    Raises :class:`ConfigError` listing every problem (syntax, types, unknown keys, unknown
    fields and systems, connector kinds not in ``kinds`` when given, unresolvable secrets when
    ``check_secrets``). ``checks`` run last, on a configuration that passed validation.
    """
    file = Path(path)
    document = _parse(_read(file), str(file))
    found = [*cross_check(document), *(kind_problems(document, kinds) if kinds is not None else ())]
    problems = [_problem(loc, msg, document, str(file)) for loc, msg in found]
    try:
        config = CrmsyncConfig.model_validate(document)
    except ValidationError as exc:
        problems = _validation_problems(exc, document, str(file)) + problems
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0)) from None
    if check_secrets:
        unresolved = secret_problems(config, os.environ if env is None else env, file.parent)
        problems += [_problem(loc, msg, document, str(file)) for loc, msg in unresolved]
    loaded = LoadedConfig(config=config, path=file)
    later = [problem for check in checks for problem in check(loaded)]
    problems += [_problem(loc, msg, document, str(file)) for loc, msg in later]
    if problems:
        raise ConfigError(sorted(problems, key=lambda p: p.line or 0))
    return loaded


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError([ConfigProblem(str(file), None, "", "not UTF-8 text")]) from None
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror or 'unreadable'}"
        raise ConfigError([ConfigProblem(str(file), None, "", reason)]) from None


def _parse(text: str, file: str) -> Any:
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError([ConfigProblem(file, line, "", f"YAML syntax: {exc.problem}")]) from None
    if not isinstance(document, Mapping):
        raise ConfigError([ConfigProblem(file, 1, "", "the file must hold a mapping")])
    return document


def _validation_problems(exc: ValidationError, document: Any, file: str) -> list[ConfigProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = _strip_union_tags(error["loc"])
        message = _message(error["type"], error["msg"], loc)
        problems.append(_problem(loc, message, document, file))
    return problems


def _message(kind: str, text: str, loc: Loc) -> str:
    if kind == "string_pattern_mismatch":
        return (
            _SECRET_MESSAGE if "credentials" in loc or "secret" in str(loc[-1]) else _NAME_MESSAGE
        )
    return _MESSAGES.get(kind, text.removeprefix("Value error, "))


def _strip_union_tags(loc: Iterable[Any]) -> Loc:
    """pydantic adds the union member tried (``str``, ``FieldMap``) to a location; drop it."""
    return tuple(p for p in loc if not ((isinstance(p, str) and p[:1].isupper()) or p == "str"))


def _problem(loc: Loc, message: str, document: Any, file: str) -> ConfigProblem:
    return ConfigProblem(file, _line_of(document, loc), _dotted(loc), message)


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(document: Any, loc: Loc) -> int | None:
    """The 1-based line of the deepest node on ``loc`` that exists in the YAML document."""
    node, line = document, 1
    for part in loc:
        position = _position(node, part)
        if position is None:
            break
        line = position + 1
        node = node[part]
    return line


def _position(node: Any, part: str | int) -> int | None:
    lc = getattr(node, "lc", None)
    if lc is None:
        return None
    if isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node):
        return int(lc.item(part)[0])
    if isinstance(node, Mapping) and part in node:
        return int(lc.key(part)[0])
    return None
