# spine-cds: one uvicorn process per container; state in the database named by SPINE_CDS_DATABASE_URL.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/spine-cds
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install ".[postgres]" && useradd --system --uid 10001 --home /srv/spine-cds spine
COPY cards ./cards
COPY deploy/trust ./deploy/trust

# Only /var/lib/spine-cds (SQLite default) and /tmp are written: the root filesystem may be read-only.
RUN mkdir -p /var/lib/spine-cds && chown spine /var/lib/spine-cds
VOLUME ["/var/lib/spine-cds"]
ENV SPINE_CDS_DATABASE_URL=sqlite:////var/lib/spine-cds/spine-cds.db \
    SPINE_CDS_CARDS_DIR=/srv/spine-cds/cards

USER 10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2).status != 200)"
STOPSIGNAL SIGTERM
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080", "--proxy-headers", \
     "--forwarded-allow-ips", "*", "--timeout-graceful-shutdown", "20", "--no-server-header"]
