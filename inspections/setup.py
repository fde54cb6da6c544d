from __future__ import annotations

from django.db import transaction

from members.models import Cooperative

from .models import TestCategory

# The four categories of the home-textile catalogue, with the codes of DATA_FORMATS.md.
HOME_TEXTILE_CATEGORIES = [
    ("fabrics", "面料", "Fabrics"),
    ("fibre-products", "纤维制品", "Fibre products"),
    ("garments", "服装", "Garments"),
    ("bedding", "床上用品", "Bedding"),
]

INDUSTRY_CATALOGUES = {"home-textiles": HOME_TEXTILE_CATEGORIES}


@transaction.atomic
def setup_catalogue(cooperative: Cooperative, industry: str) -> int:
    """Load the test catalogue of a known industry; returns how many categories it added."""
    added = 0
    for code, name_zh, name_en in INDUSTRY_CATALOGUES.get(industry, []):
        _, created = TestCategory.objects.get_or_create(
            cooperative=cooperative, code=code, defaults={"name_zh": name_zh, "name_en": name_en}
        )
        added += created
    return added
