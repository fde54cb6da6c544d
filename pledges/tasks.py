"""Celery tasks of the pledges app. Assessment tasks live in assessment/tasks.py and are
imported here so that Celery's autodiscovery (which looks for <app>.tasks) registers them."""

from .assessment.tasks import *  # noqa: F403
