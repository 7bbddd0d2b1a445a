# spine-cds: one uvicorn process per container; state in the database named by SPINE_CDS_DATABASE_URL.
#   docker build -t spine-cds .                       (PostgreSQL driver included)
#   docker build --build-arg EXTRAS=postgres,otel .   (with OpenTelemetry tracing)
# Runs with a read-only root filesystem: it writes only to /var/lib/spine-cds (SQLite, when no
# PostgreSQL is configured) and /tmp. Checked by tests/deploy/test_dockerfile.py.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS build
ARG EXTRAS=postgres
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/spine-cds
# Dependencies first, from pyproject.toml alone, so a code change does not reinstall them. The editable
# install points the venv at /srv/spine-cds/app, which the final stage fills with the real code.
COPY pyproject.toml README.md ./
RUN mkdir app && touch app/__init__.py \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --editable ".[${EXTRAS}]"

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH
RUN groupadd --system --gid 10001 spine \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin spine
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/spine-cds
COPY pyproject.toml README.md ./
COPY app ./app
COPY cards ./cards
COPY deploy/trust ./deploy/trust
# Bytecode compiled now: the read-only root filesystem would otherwise recompile it in memory each start.
RUN python -m compileall -q app \
    && mkdir -p /var/lib/spine-cds && chown 10001:10001 /var/lib/spine-cds

VOLUME ["/var/lib/spine-cds"]
# FORWARDED_ALLOW_IPS: uvicorn believes X-Forwarded-* from these addresses (the ingress); set it to the
# proxy's address where the pod network is shared. The JWT audience never comes from these headers.
ENV SPINE_CDS_DATABASE_URL=sqlite:////var/lib/spine-cds/spine-cds.db \
    SPINE_CDS_CARDS_DIR=/srv/spine-cds/cards \
    FORWARDED_ALLOW_IPS=*

USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"]
STOPSIGNAL SIGTERM
# One uvicorn process (no --workers): the pod, not the container, is the unit of scale. `spine-cds serve`
# is uvicorn with proxy headers and a deadline for request headers (docs/security.md, slow headers). On
# SIGTERM it stops accepting, lets requests in flight finish for up to 20 s, then exits; Kubernetes allows
# 30 s. Keep-alive outlasts a load balancer's 60 s idle timeout so it never reuses a connection we closed.
CMD ["python", "-m", "app.cli", "serve", "--host", "0.0.0.0", "--port", "8080", \
     "--timeout-graceful-shutdown", "20", "--timeout-keep-alive", "65", "--no-server-header"]
