"""Each concept has one definition that every app uses; these fail when a second one appears."""

from pathlib import Path

from django.apps import apps
from django.conf import settings

from coop_portal.models import FinalOnceLoaded

ROOT = Path(settings.BASE_DIR)
APPS = ["coop_portal", "members", "charter", "inspections", "complaints", "pledges"]


def _templates() -> list[Path]:
    folders = [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]
    return sorted(path for folder in folders for path in folder.glob("**/*.html"))


def test_pages_are_numbered_by_the_one_pagination_template():
    own = [path for path in _templates() if 'class="pagination"' in path.read_text()]
    assert [path.relative_to(ROOT).as_posix() for path in own] == ["templates/pagination.html"]


def test_rows_that_become_final_are_guarded_by_the_one_base():
    """A model that remembers what the database held, to refuse changes, does it through
    FinalOnceLoaded; no model keeps a second copy of that guard."""
    own = [
        model
        for model in apps.get_models()
        if model._meta.app_label in APPS and "from_db" in vars(model)
    ]
    assert own == []
    guarded = {model.__name__ for model in apps.get_models() if issubclass(model, FinalOnceLoaded)}
    assert guarded >= {
        "CharterVersion",
        "ScoringPolicy",
        "Pledge",
        "Commitment",
        "AssessmentRun",
        "MemberAssessment",
    }


def test_charts_are_drawn_by_the_one_chart_module():
    sources = [path for app in APPS for path in (ROOT / app).glob("**/*.py")]
    drawing = [path for path in [*sources, *_templates()] if "<svg" in path.read_text()]
    assert [path.relative_to(ROOT).as_posix() for path in drawing] == ["coop_portal/charts.py"]
