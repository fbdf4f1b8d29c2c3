"""The spec check itself: it catches broken answers, keeps exceptions narrow, needs the spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from mailchimp_spec import SpecCheck, mailchimp_openapi

from connectors.toolkit.sandbox import Receive, SandboxServer, Scope, Send

MEMBERS = "/3.0/lists/abc/members"


def answering(document: dict[str, Any]) -> Any:
    """An ASGI app that answers every request with ``document``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        body = json.dumps(document).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def violations_for(document: dict[str, Any]) -> list[str]:
    check = SpecCheck()
    with SandboxServer(check.wrap(answering(document))) as server:
        httpx.get(server.base_url + MEMBERS, auth=("any", "key-us6")).raise_for_status()
    return check.violations


def member(**overrides: Any) -> dict[str, Any]:
    base = {"id": "x", "email_address": "a@example.org", "status": "subscribed"}
    return {**base, "last_changed": "2026-01-01T00:00:00+00:00", **overrides}


def test_a_conforming_answer_passes() -> None:
    assert violations_for({"members": [member()], "total_items": 1}) == []


def test_a_broken_answer_is_reported() -> None:
    found = violations_for({"members": [member(status="deleted")], "total_items": 1})

    assert len(found) == 1
    assert "members/0/status" in found[0]


def test_an_empty_opt_in_time_is_the_only_empty_time_tolerated() -> None:
    document = {"members": [member(timestamp_opt="", last_changed="")], "total_items": 1}

    found = violations_for(document)

    assert len(found) == 1
    assert "members/0/last_changed" in found[0]


def test_assert_clean_fails_on_a_violation() -> None:
    check = SpecCheck()
    check.violations.append("GET /x -> 200 response: broken")

    with pytest.raises(AssertionError):
        check.assert_clean()


def test_a_missing_spec_fails_instead_of_skipping(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CRMSYNC_SPECS_DIR", str(tmp_path))

    with pytest.raises(pytest.fail.Exception, match="spec is missing"):
        mailchimp_openapi()
