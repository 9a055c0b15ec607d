# Staffroom: a slim image running `staffroom run` as an unprivileged user.
#   docker build -t staffroom .
#   docker run -e STAFFROOM_SLACK__BOT_TOKEN=... -v staffroom-data:/data -p 8080:8080 staffroom
# Data (the embedded SQLite database, scheduled backups, console history) lives in the
# /data volume; with PostgreSQL (compose.yaml) only backups and the erasure list do.

# Debian bookworm: its postgresql-client (15) is what `staffroom backup` runs as pg_dump,
# so the PostgreSQL server in compose.yaml is 15 too (pg_dump must not be older).
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE config.example.toml constraints.txt ./
COPY deploy/install.sh deploy/install.sh
COPY bot bot
COPY adapters adapters
COPY storage storage
COPY scheduled scheduled
RUN sh deploy/install.sh /opt/staffroom

FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home staffroom \
    && install -d -o staffroom -g staffroom /data/backups /data/erasures
COPY --from=build /opt/staffroom /opt/staffroom
ENV PATH=/opt/staffroom/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    XDG_DATA_HOME=/data \
    STAFFROOM_HTTP__HOST=0.0.0.0 \
    STAFFROOM_HTTP__PORT=8080
USER staffroom
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080
# GET /healthz (database, scheduler, Slack, Discord); the image has no curl, the bot asks.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["staffroom", "healthcheck", "--timeout", "5"]
STOPSIGNAL SIGTERM
CMD ["staffroom", "run"]
