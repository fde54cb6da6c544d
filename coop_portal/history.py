"""History (django-simple-history): why a record changes, and the history of rows written in
bulk, where no model signal is sent."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models
from django.utils.text import Truncator

# What django-simple-history's history_change_reason column holds.
REASON_LENGTH = 100


def change_reason(reason: str) -> str:
    """A reason as the history keeps it: as much as its column holds. The whole reason stays on
    the record that asked for the change (a status change, an exit step, a correction)."""
    return Truncator(reason.strip()).chars(REASON_LENGTH)


def note_change_reason(instance: models.Model, reason: str) -> None:
    """Why the next save of ``instance`` changes it, for its history."""
    instance._change_reason = change_reason(reason)  # type: ignore[attr-defined]


# Rows copied per statement elsewhere than on PostgreSQL: well under SQLite's limit of
# parameters in one statement.
CHUNK = 5000


def record_history(
    model: type[models.Model],
    pks: Iterable[Any],
    *,
    history_type: str,
    user: AbstractBaseUser | None,
    reason: str,
    when: datetime.datetime,
) -> None:
    """Write the django-simple-history rows of records just written, a statement per chunk.

    The database copies the rows it has just stored (INSERT … SELECT), so the history of a
    large import costs one query per batch and no Python object per row. ``history_type`` is
    simple-history's: "+" created, "~" changed, "-" about to be deleted.
    """
    keys = list(pks)
    if not keys:
        return
    history = model.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    tracked = [
        field.column
        for field in history._meta.concrete_fields
        if not field.name.startswith("history_")
    ]
    columns = ", ".join(quote(column) for column in tracked)
    # Only quoted table and column names of our own models are interpolated; values are
    # parameters.
    target = quote(history._meta.db_table)
    source = quote(model._meta.db_table)
    key = quote(model._meta.pk.column)  # type: ignore[union-attr]
    extra = ", ".join(
        quote(name)
        for name in ("history_date", "history_change_reason", "history_type", "history_user_id")
    )
    fixed = [
        connection.ops.adapt_datetimefield_value(when),
        change_reason(reason),
        history_type,
        user.pk if user is not None else None,
    ]
    insert = f"INSERT INTO {target} ({columns}, {extra}) SELECT {columns}, %s, %s, %s, %s FROM {source} WHERE {key}"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter, however many rows.
            cursor.execute(f"{insert} = ANY(%s)", [*fixed, keys])
            return
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            cursor.execute(f"{insert} IN ({', '.join(['%s'] * len(chunk))})", [*fixed, *chunk])
