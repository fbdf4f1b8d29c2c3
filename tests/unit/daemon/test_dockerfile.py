"""The Dockerfile keeps its promises (no Docker engine here, so it is read, not built):
multi-stage, non-root, daemon by default, config read-only at /etc/crmsync, SQLite on a
volume, the web port exposed and health-checked."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = text.replace("\\\n", " ")
    out = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def last(keyword: str) -> str:
    return [args for k, args in instructions() if k == keyword][-1]


def runtime_stage() -> list[tuple[str, str]]:
    steps = instructions()
    starts = [i for i, (k, _) in enumerate(steps) if k == "FROM"]
    return steps[starts[-1] :]


def test_the_wheel_is_built_in_a_builder_stage_and_installed_in_the_runtime_stage() -> None:
    froms = [args for k, args in instructions() if k == "FROM"]
    copies = [args for k, args in runtime_stage() if k == "COPY"]

    assert (len(froms), froms[0].split()[-2:], copies) == (
        2,
        ["AS", "builder"],
        ["--from=builder /wheels /tmp/wheels"],
    )


def test_the_daemon_runs_as_an_unprivileged_user() -> None:
    user = last("USER").split(":")[0]

    assert user not in ("root", "0")


def test_crmsync_is_the_entrypoint_and_the_daemon_the_default_command() -> None:
    entrypoint, command = json.loads(last("ENTRYPOINT")), json.loads(last("CMD"))

    assert (entrypoint, command) == (
        ["crmsync"],
        ["daemon", "--config", "/etc/crmsync/config.yaml"],
    )


def test_the_store_directory_is_a_volume_owned_by_the_user() -> None:
    volumes = json.loads(last("VOLUME"))
    setup = " ".join(args for k, args in runtime_stage() if k == "RUN")

    assert (volumes, "chown crmsync:crmsync /var/lib/crmsync" in setup) == (
        ["/var/lib/crmsync"],
        True,
    )


def test_the_config_is_documented_as_mounted_read_only() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")

    assert ":/etc/crmsync/config.yaml:ro" in text


def runtime_env() -> dict[str, str]:
    pairs = [p for k, args in runtime_stage() if k == "ENV" for p in shlex.split(args)]
    return dict(p.split("=", 1) for p in pairs)


def test_the_daemon_listens_on_all_interfaces_at_the_exposed_port() -> None:
    env = runtime_env()

    assert (env["CRMSYNC_WEB_HOST"], last("EXPOSE")) == ("0.0.0.0", env["CRMSYNC_WEB_PORT"])


def test_the_health_check_asks_healthz_on_the_configured_port() -> None:
    check = last("HEALTHCHECK")

    assert ("/healthz" in check, "CRMSYNC_WEB_PORT" in check) == (True, True)


def test_the_build_context_leaves_out_local_state() -> None:
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()

    assert {".git", ".venv", "tests", "*.sqlite"} <= set(ignored)
