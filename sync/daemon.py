"""The daemon's lifecycle: start logging, the runtime, the scheduler and the web server, and
on SIGTERM or SIGINT stop them in order so that no batch is cut in half.

Shutdown order: the web server stops accepting and finishes open requests while running
pulls and pushes are told to stop after their current batch (``Runtime.stopping``); then the
scheduler is shut down, waiting for those jobs; then the runtime (connectors, store) closes.
"""

from __future__ import annotations

import signal
import socket
import threading
from collections.abc import Callable, Mapping
from types import FrameType
from typing import Any

import structlog
import uvicorn
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from connectors.base import Clock, ConfigurationError, ConnectorDeps
from sync import lease
from sync.config.loader import ConfigError, ConfigProblem, LoadedConfig
from sync.config.secrets import SecretNotFoundError, resolve, resolve_url
from sync.lease import DEFAULT_LEASE_TTL_S
from sync.logs import configure_logging
from sync.metrics import Metrics
from sync.registry import UnknownConnectorError
from sync.runtime import Runtime, open_runtime
from sync.scheduler import StreamScheduler
from sync.web import create_app

log = structlog.get_logger("sync.daemon")
GRACEFUL_SHUTDOWN_S = 10
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_daemon(
    loaded: LoadedConfig,
    *,
    host: str | None = None,
    port: int | None = None,
    log_level: str = "info",
    json_logs: bool = True,
    deps: Mapping[str, ConnectorDeps] | None = None,
    clock: Clock | None = None,
    lease_ttl_s: float = DEFAULT_LEASE_TTL_S,
) -> int:
    """Run until SIGTERM or SIGINT and return the exit code (0 after a clean stop, 1 when the
    address cannot be bound). ``host``/``port`` override ``web.host``/``web.port``; port 0
    picks a free port (the ``daemon.started`` line names it).

    Raises :class:`ConfigError` when the configuration cannot be used (unknown connector,
    missing secret, a connector refusing its options).
    """
    configure_logging(log_level, json=json_logs, secrets=known_secrets(loaded))
    host = host or loaded.config.web.host
    port = loaded.config.web.port if port is None else port
    with _Shutdown() as shutdown:
        try:
            sock = _listen(host, port)
        except OSError as exc:
            log.error("daemon.bind_failed", host=host, port=port, error=exc.strerror)
            return 1
        with sock:
            rt = _open(loaded, deps, clock)
            try:
                _serve(rt, sock, _path_secret(loaded), lease_ttl_s, shutdown)
            finally:
                rt.close()
                rt.store.engine.dispose()
    log.info("daemon.stopped")
    return 0


def _serve(
    rt: Runtime,
    sock: socket.socket,
    path_secret: str | None,
    lease_ttl_s: float,
    shutdown: _Shutdown,
) -> None:
    keys = [f"{s.system}/{s.name}" for s in rt.streams]
    metrics = Metrics(rt.store, keys)
    holder = lease.process_holder("daemon")
    scheduler = StreamScheduler(
        rt, holder=holder, lease_ttl_s=lease_ttl_s, on_result=metrics.observe_job
    )
    app = create_app(rt, scheduler, metrics, path_secret=path_secret)
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="off",
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    server = _Server(config, on_signal=rt.stopping.set)
    shutdown.watch(rt, server)
    scheduler.start()
    try:
        host, port = sock.getsockname()[:2]
        log.info("daemon.started", host=host, port=port, url=f"http://{host}:{port}", jobs=keys)
        server.run(sockets=[sock])
        log.info("daemon.stopping")
        rt.stopping.set()
    finally:
        scheduler.shutdown(wait=True)


class _Server(uvicorn.Server):
    """uvicorn's server, also telling running jobs to stop the moment a signal arrives
    (uvicorn itself only stops serving)."""

    def __init__(self, config: uvicorn.Config, *, on_signal: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_signal = on_signal

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self._on_signal()
        super().handle_exit(sig, frame)


class _Shutdown:
    """SIGTERM/SIGINT handling for the daemon's whole life, outside uvicorn's own.

    A signal that arrives before the server runs (while the store migrates, say) makes it
    exit as soon as it starts; after uvicorn returns it re-raises the signal that stopped
    it, which must land here rather than end the process before everything is closed.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self._rt: Runtime | None = None
        self._server: uvicorn.Server | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> _Shutdown:
        if threading.current_thread() is threading.main_thread():
            self._previous = {sig: signal.signal(sig, self._handle) for sig in _SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def watch(self, rt: Runtime, server: uvicorn.Server) -> None:
        self._rt, self._server = rt, server
        if self.requested.is_set():
            self._apply()

    def _handle(self, sig: int, frame: FrameType | None) -> None:
        self.requested.set()
        self._apply()

    def _apply(self) -> None:
        if self._rt is not None:
            self._rt.stopping.set()
        if self._server is not None:
            self._server.should_exit = True


def _listen(host: str, port: int) -> socket.socket:
    """Bind before anything starts, so a taken port fails fast; connections that arrive
    before uvicorn runs wait in the backlog."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def _open(
    loaded: LoadedConfig, deps: Mapping[str, ConnectorDeps] | None, clock: Clock | None
) -> Runtime:
    try:
        return open_runtime(loaded, deps=deps, clock=clock)
    except (ConfigurationError, UnknownConnectorError, SecretNotFoundError) as exc:
        raise ConfigError([ConfigProblem(str(loaded.path), None, "", str(exc))]) from None


def _path_secret(loaded: LoadedConfig) -> str | None:
    ref = loaded.config.web.webhook_path_secret
    return None if ref is None else resolve(ref, base_dir=loaded.base_dir).reveal()


def known_secrets(loaded: LoadedConfig) -> list[str]:
    """Every resolvable secret of the configuration, for the log redactor to mask."""
    config, base = loaded.config, loaded.base_dir
    refs = [ref for system in config.systems.values() for ref in system.credentials.values()]
    if config.web.webhook_path_secret:
        refs.append(config.web.webhook_path_secret)
    found = []
    for ref in refs:
        try:
            found.append(resolve(ref, base_dir=base).reveal())
        except SecretNotFoundError:
            continue
    return found + _store_password(config.store.url, loaded)


def _store_password(url: str, loaded: LoadedConfig) -> list[str]:
    try:
        password = make_url(resolve_url(url, base_dir=loaded.base_dir)).password
    except (SecretNotFoundError, ArgumentError):
        return []
    return [str(password)] if password else []
