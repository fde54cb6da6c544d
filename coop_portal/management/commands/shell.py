"""Django's shell, importing every model of the project without a warning.

django-simple-history names the history of a model defined in a models package
(``pledges.models.pledge``) as living in the app's module (``pledges``), where it cannot be
imported from; the shell then greets every operator with "could not be automatically
imported". The history models are left out here: they are reached as ``Pledge.history``.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.commands import shell
from simple_history.models import HistoricalChanges


class Command(shell.Command):
    def get_auto_imports(self) -> list[str]:
        return [
            f"{model.__module__}.{model.__name__}"
            for model in reversed(apps.get_models())
            if model.__module__ and not issubclass(model, HistoricalChanges)
        ]
