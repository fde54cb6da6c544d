"""Celery tasks of assessments (computing runs in chunks, closing notice periods)."""
