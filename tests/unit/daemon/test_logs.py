"""configure_logging: one JSON line per event from structlog and stdlib alike, levels,
quiet library loggers, redaction on every line."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
import structlog

from sync.logs import configure_logging

pytestmark = pytest.mark.usefixtures("restore_logging")


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_structlog_event_is_one_json_line_with_its_bound_context() -> None:
    out = io.StringIO()
    configure_logging("info", stream=out)

    structlog.get_logger("sync.push").bind(system="crm").info("push.batch_sent", size=100)

    (line,) = lines(out)
    assert list(line)[:4] == ["timestamp", "level", "logger", "event"]
    assert {k: line[k] for k in ("level", "logger", "event", "system", "size")} == {
        "level": "info",
        "logger": "sync.push",
        "event": "push.batch_sent",
        "system": "crm",
        "size": 100,
    }
    assert line["timestamp"].endswith("Z")


def test_stdlib_loggers_go_through_the_same_renderer_and_redaction() -> None:
    out = io.StringIO()
    configure_logging("info", stream=out)

    logging.getLogger("library.module").info("client %s connected", "ayse@example.com")

    assert lines(out) == [
        {
            "timestamp": lines(out)[0]["timestamp"],
            "level": "info",
            "logger": "library.module",
            "event": "client [redacted] connected",
        }
    ]


def test_httpx_is_kept_at_warning_because_it_logs_urls() -> None:
    out = io.StringIO()
    configure_logging("debug", stream=out)

    logging.getLogger("httpx").info("HTTP Request: GET https://api.example/members/abc")
    logging.getLogger("httpcore.http11").debug("send_request_headers.started")
    logging.getLogger("httpx").warning("pool exhausted")

    assert [line["event"] for line in lines(out)] == ["pool exhausted"]


def test_events_below_the_level_are_dropped() -> None:
    out = io.StringIO()
    configure_logging("warning", stream=out)

    structlog.get_logger("sync.pull").info("pull.page_taken")
    structlog.get_logger("sync.pull").warning("pull.stopped_between_pages")

    assert [line["event"] for line in lines(out)] == ["pull.stopped_between_pages"]


def test_configuring_again_replaces_the_earlier_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("info", stream=first)
    configure_logging("info", stream=second)

    structlog.get_logger("sync.cycle").info("cycle.finished")

    assert (first.getvalue(), len(lines(second))) == ("", 1)


def test_registered_secrets_are_masked_in_any_field() -> None:
    out = io.StringIO()
    configure_logging("info", stream=out, secrets=["pat-na1-not-a-real-token"])

    structlog.get_logger("sync.test").warning("auth.failed", detail="sent pat-na1-not-a-real-token")

    assert lines(out)[0]["detail"] == "sent [redacted]"


def test_exceptions_are_rendered_and_redacted() -> None:
    out = io.StringIO()
    configure_logging("info", stream=out)

    try:
        raise ValueError("no member ayse@example.com")
    except ValueError:
        structlog.get_logger("sync.test").exception("job.crashed")

    (line,) = lines(out)
    assert line["exception"].splitlines()[-1] == "ValueError: no member [redacted]"


def test_console_rendering_for_people_at_a_terminal() -> None:
    out = io.StringIO()
    configure_logging("info", json=False, stream=out)

    structlog.get_logger("sync.cycle").info("cycle.finished", run_id=3)

    text = out.getvalue()
    assert ("cycle.finished" in text, "run_id=3" in text, text.startswith("{")) == (
        True,
        True,
        False,
    )


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("chatty", stream=io.StringIO())
