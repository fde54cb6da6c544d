FROM python:3.11-slim-bookworm

# pango renders PDFs (WeasyPrint); fonts-noto-cjk embeds Chinese text; gettext compiles catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk gettext \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir --require-hashes -r requirements.lock
COPY . .
RUN SECRET_KEY=build-only-key-for-collectstatic DEBUG=0 python manage.py collectstatic --noinput \
    && python manage.py compilemessages --ignore=.venv \
    && useradd --system --home /app coop && mkdir -p /data/media && chown coop /data/media
USER coop
EXPOSE 8000
CMD ["gunicorn", "coop_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
