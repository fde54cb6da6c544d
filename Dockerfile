# syntax=docker/dockerfile:1
# The portal's production image: gunicorn, both Celery workers, beat and the migrations all run
# from it (docker-compose.yml, coop_portal/processes.py). BASE_IMAGE is any Debian bookworm image
# with Python 3.11 and its venv module: the official slim image by default; `make deploy-check`
# passes one built from Debian's packages on a machine that reaches no image registry.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
# gettext compiles the translation catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
COPY requirements/tools.lock requirements/prod.lock /tmp/requirements/
# The pinned pip first, then the production lock with it. Behind a TLS-intercepting proxy, pass
# its CA bundle as the build secret `ca_bundle` (README, Deployment): it is mounted for this step
# only and never stored in a layer.
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --quiet --require-hashes --no-deps -r /tmp/requirements/tools.lock \
    && /opt/venv/bin/pip install --quiet --require-hashes -r /tmp/requirements/prod.lock \
    && /opt/venv/bin/pip uninstall --quiet -y uv
WORKDIR /app
COPY . .
RUN SECRET_KEY=build-only DEBUG=0 /opt/venv/bin/python manage.py collectstatic --noinput -v0 \
    && /opt/venv/bin/python manage.py compilemessages -v0

FROM ${BASE_IMAGE}
# pango renders the PDFs (WeasyPrint); the Noto CJK fonts are embedded in Chinese PDFs;
# postgresql-client (PostgreSQL 15, as the compose file's database) writes and reads backups.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk \
       postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin coop \
    && mkdir -p /data/media /var/lib/coop-portal \
    && chown coop:coop /data/media /var/lib/coop-portal
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# PROMETHEUS_MULTIPROC_DIR: the processes of a container add up their metrics there.
ENV PATH=/opt/venv/bin:$PATH PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MEDIA_ROOT=/data/media \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
WORKDIR /app
USER coop
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "-m", "coop_portal.probes", "web"]
CMD ["gunicorn", "--config", "gunicorn.conf.py", "coop_portal.wsgi:application"]
