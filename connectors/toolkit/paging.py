"""Explicit paginators: follow an opaque ``after`` token, or step an offset by a page size."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


def follow_token(
    fetch: Callable[[str | None], tuple[T, str | None]], start: str | None = None
) -> Iterator[tuple[T, str | None]]:
    """Yield ``(page, next_token)`` until the vendor sends no next token.

    ``next_token`` is yielded with its page so the caller can build a resume cursor that
    points *after* that page.
    """
    token = start
    while True:
        page, token = fetch(token)
        yield page, token
        if token is None:
            return


def step_offset(
    fetch: Callable[[int], tuple[T, int]], start: int, page_size: int
) -> Iterator[tuple[T, int]]:
    """Yield ``(page, next_offset)`` while pages come back full.

    ``fetch(offset)`` returns the page and how many items it held; a short page ends the scan.
    """
    offset = start
    while True:
        page, count = fetch(offset)
        offset += count
        yield page, offset
        if count < page_size:
            return
