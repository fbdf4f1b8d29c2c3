"""httpx authentication for the schemes vendors use: bearer tokens and basic API keys."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from connectors.base import Secret


class BearerAuth(httpx.Auth):
    """``Authorization: Bearer <token>`` (HubSpot private apps, OAuth access tokens)."""

    def __init__(self, token: Secret) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request


def basic_auth(username: str, password: Secret) -> httpx.BasicAuth:
    """HTTP Basic with a secret password (Mailchimp: any user name, the API key)."""
    return httpx.BasicAuth(username, password.reveal())
