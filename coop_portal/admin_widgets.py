"""Django admin widgets with a name for every box a screen reader reaches."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.widgets import AdminSplitDateTime
from django.utils.text import format_lazy
from django.utils.translation import pgettext_lazy

DATE_BOX = pgettext_lazy(
    "name of a date-and-time field's date box; {field} is the field", "{field}: date"
)
TIME_BOX = pgettext_lazy(
    "name of a date-and-time field's time box; {field} is the field", "{field}: time"
)


def name_date_and_time_boxes(formfield: Any, db_field: Any) -> Any:
    """Name the two boxes of Django's date-and-time widget ("创建时间：日期", "Created at: time").

    Django writes "Date:" and "Time:" beside them as plain text, and the field's label points
    at neither box, so a screen reader would announce two unnamed text boxes."""
    if formfield is not None and isinstance(formfield.widget, AdminSplitDateTime):
        date, time = formfield.widget.widgets
        date.attrs["aria-label"] = format_lazy(DATE_BOX, field=db_field.verbose_name)
        time.attrs["aria-label"] = format_lazy(TIME_BOX, field=db_field.verbose_name)
    return formfield
