"""Reading ahead keeps order, hands failures to the consumer and stops when asked."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from sync.readahead import ReadAhead


class VendorDownError(RuntimeError):
    pass


def test_items_arrive_in_order() -> None:
    with ReadAhead(iter(range(50)), depth=3) as ahead:
        assert list(ahead) == list(range(50))


def test_a_failure_reaches_the_consumer_after_the_items_before_it() -> None:
    def source() -> Iterator[int]:
        yield 1
        yield 2
        raise VendorDownError("page 3")

    seen: list[int] = []

    def consume() -> None:
        with ReadAhead(source()) as ahead:
            seen.extend(ahead)

    with pytest.raises(VendorDownError):
        consume()

    assert seen == [1, 2]


def test_closing_early_stops_the_producer_within_its_depth() -> None:
    produced: list[int] = []
    first_taken = threading.Event()

    def source() -> Iterator[int]:
        for i in range(1000):
            produced.append(i)
            yield i

    ahead = ReadAhead(source(), depth=2)
    for _item in ahead:
        first_taken.set()
        break
    ahead.close()

    assert first_taken.is_set()
    assert len(produced) <= 5
