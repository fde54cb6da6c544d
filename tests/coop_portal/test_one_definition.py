"""Each concept has one definition that every app uses; these fail when a second one appears."""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ["coop_portal", "members", "charter", "inspections", "complaints", "pledges"]


def _templates() -> list[Path]:
    folders = [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]
    return sorted(path for folder in folders for path in folder.glob("**/*.html"))


def test_pages_are_numbered_by_the_one_pagination_template():
    own = [path for path in _templates() if 'class="pagination"' in path.read_text()]
    assert [path.relative_to(ROOT).as_posix() for path in own] == ["templates/pagination.html"]
