# crmsync daemon image: the wheel is built in a builder stage and installed into a slim,
# non-root runtime image. Configuration is mounted read-only at /etc/crmsync; the SQLite
# store (when used) lives on the /var/lib/crmsync volume.
#
#   docker build -t crmsync .
#   docker run -d -p 8080:8080 \
#     -v "$PWD/config.yaml:/etc/crmsync/config.yaml:ro" \
#     -v crmsync-data:/var/lib/crmsync \
#     -e HUBSPOT_TOKEN -e MAILCHIMP_API_KEY -e MAILCHIMP_WEBHOOK_SECRET \
#     crmsync
#
# In the configuration, point the store at the volume (sqlite:////var/lib/crmsync/crmsync.sqlite)
# or at PostgreSQL through a ${ENV_VAR} reference.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY connectors ./connectors
COPY sync ./sync
# Wheels of crmsync and of every dependency, so the runtime stage installs offline.
RUN pip wheel --wheel-dir /wheels .

FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CRMSYNC_WEB_HOST=0.0.0.0 \
    CRMSYNC_WEB_PORT=8080
RUN groupadd --system --gid 10001 crmsync \
    && useradd --system --uid 10001 --gid crmsync --home-dir /var/lib/crmsync \
       --shell /usr/sbin/nologin crmsync \
    && mkdir -p /etc/crmsync /var/lib/crmsync \
    && chown crmsync:crmsync /var/lib/crmsync
COPY --from=builder /wheels /tmp/wheels
RUN pip install --no-index --find-links=/tmp/wheels crmsync && rm -rf /tmp/wheels

# Mount the configuration read-only: -v ./config.yaml:/etc/crmsync/config.yaml:ro
VOLUME ["/var/lib/crmsync"]
WORKDIR /var/lib/crmsync
USER crmsync:crmsync
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; url = 'http://127.0.0.1:%s/healthz' % os.environ.get('CRMSYNC_WEB_PORT', '8080'); sys.exit(0 if urllib.request.urlopen(url, timeout=4).status == 200 else 1)"]
# exec form: the daemon is PID 1 and receives SIGTERM from `docker stop` itself.
ENTRYPOINT ["crmsync"]
CMD ["daemon", "--config", "/etc/crmsync/config.yaml"]
