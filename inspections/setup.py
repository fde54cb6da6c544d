"""The test catalogues the portal knows per industry, loaded by ``setup_cooperative``."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from members.models import Cooperative

from .models import TestCategory, TestItem

# The four categories of the home-textile catalogue, with the codes of DATA_FORMATS.md.
HOME_TEXTILE_CATEGORIES = [
    ("fabrics", "面料", "Fabrics"),
    ("fibre-products", "纤维制品", "Fibre products"),
    ("garments", "服装", "Garments"),
    ("bedding", "床上用品", "Bedding"),
]


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name_zh: str
    name_en: str
    method_standard: str
    unit: str = ""
    limit_text: str = ""
    limit_min: Decimal | None = None
    limit_max: Decimal | None = None
    numeric: bool = True


FIBRE_CONTENT = ItemSpec(
    "fibre-content",
    "纤维含量",
    "Fibre content",
    "GB/T 2910 / FZ/T 01057",
    "%",
    "符合明示值，允差按 GB/T 29862",
    numeric=False,
)
FORMALDEHYDE = ItemSpec(
    "formaldehyde",
    "甲醛含量",
    "Formaldehyde content",
    "GB/T 2912.1",
    "mg/kg",
    "≤ 75（GB 18401 B类）",
    limit_max=Decimal(75),
)
PH = ItemSpec(
    "ph",
    "pH值",
    "pH value",
    "GB/T 7573",
    "",
    "4.0 – 8.5（GB 18401 B类）",
    limit_min=Decimal("4.0"),
    limit_max=Decimal("8.5"),
)
AMINES = ItemSpec(
    "aromatic-amines",
    "可分解致癌芳香胺染料",
    "Decomposable carcinogenic aromatic amine dyes",
    "GB/T 17592",
    "mg/kg",
    "禁用（每种 ≤ 20）",
    limit_max=Decimal(20),
)
ODOUR = ItemSpec("odour", "异味", "Odour", "GB 18401", "", "无异味", numeric=False)
FASTNESS_WASHING = ItemSpec(
    "fastness-washing",
    "耐水洗色牢度",
    "Colour fastness to washing",
    "GB/T 3921",
    "级",
    "变色、沾色 ≥ 3",
    limit_min=Decimal(3),
)
FASTNESS_RUBBING = ItemSpec(
    "fastness-rubbing",
    "耐摩擦色牢度",
    "Colour fastness to rubbing",
    "GB/T 3920",
    "级",
    "干摩 ≥ 3，湿摩 ≥ 2-3",
    numeric=False,
)
FASTNESS_PERSPIRATION = ItemSpec(
    "fastness-perspiration",
    "耐汗渍色牢度",
    "Colour fastness to perspiration",
    "GB/T 3922",
    "级",
    "变色、沾色 ≥ 3",
    limit_min=Decimal(3),
)
FASTNESS_WATER = ItemSpec(
    "fastness-water",
    "耐水色牢度",
    "Colour fastness to water",
    "GB/T 5713",
    "级",
    "变色、沾色 ≥ 3",
    limit_min=Decimal(3),
)
FASTNESS_LIGHT = ItemSpec(
    "fastness-light",
    "耐光色牢度",
    "Colour fastness to light",
    "GB/T 8427",
    "级",
    "≥ 4",
    limit_min=Decimal(4),
)
DIMENSIONAL_CHANGE = ItemSpec(
    "dimensional-change",
    "水洗尺寸变化率",
    "Dimensional change on washing",
    "GB/T 8628 / GB/T 8629 / GB/T 8630",
    "%",
    "-3.0 – +1.5",
    limit_min=Decimal("-3.0"),
    limit_max=Decimal("1.5"),
)
PILLING = ItemSpec(
    "pilling",
    "起毛起球",
    "Pilling",
    "GB/T 4802.1",
    "级",
    "≥ 3",
    limit_min=Decimal(3),
)
TEAR_STRENGTH = ItemSpec(
    "tear-strength",
    "撕破强力",
    "Tear strength",
    "GB/T 3917.2",
    "N",
    "≥ 10",
    limit_min=Decimal(10),
)
TENSILE_STRENGTH = ItemSpec(
    "tensile-strength",
    "断裂强力",
    "Tensile strength",
    "GB/T 3923.1",
    "N",
    "≥ 200",
    limit_min=Decimal(200),
)
SEAM_SLIPPAGE = ItemSpec(
    "seam-slippage",
    "接缝滑移",
    "Seam slippage",
    "GB/T 13772.2",
    "mm",
    "≤ 6",
    limit_max=Decimal(6),
)
LABELLING = ItemSpec(
    "labelling",
    "使用说明",
    "Instructions for use (labelling)",
    "GB/T 5296.4",
    "",
    "符合 GB/T 5296.4",
    numeric=False,
)
FILL_MASS = ItemSpec(
    "fill-mass",
    "填充物质量偏差率",
    "Fill mass deviation",
    "GB/T 22796",
    "%",
    "≥ -5.0",
    limit_min=Decimal("-5.0"),
)
FILL_FIBRE_CONTENT = ItemSpec(
    "fill-fibre-content",
    "填充物纤维含量",
    "Fibre content of the fill",
    "GB/T 2910 / FZ/T 01057",
    "%",
    "符合明示值",
    numeric=False,
)
DOWN_CONTENT = ItemSpec(
    "down-content",
    "含绒量（明示值偏差）",
    "Down content (deviation from the declared value)",
    "GB/T 10288",
    "%",
    "≥ -5.0",
    limit_min=Decimal("-5.0"),
)
CLEANLINESS = ItemSpec(
    "cleanliness",
    "羽绒清洁度（透明度）",
    "Cleanliness of down (turbidity)",
    "GB/T 10288",
    "mm",
    "≥ 350",
    limit_min=Decimal(350),
)

_SAFETY = [FIBRE_CONTENT, FORMALDEHYDE, PH, AMINES, ODOUR]
_FASTNESS = [FASTNESS_WASHING, FASTNESS_RUBBING, FASTNESS_PERSPIRATION, FASTNESS_WATER]

HOME_TEXTILE_ITEMS: dict[str, list[ItemSpec]] = {
    "fabrics": [
        *_SAFETY,
        *_FASTNESS,
        FASTNESS_LIGHT,
        DIMENSIONAL_CHANGE,
        PILLING,
        TEAR_STRENGTH,
        TENSILE_STRENGTH,
    ],
    "fibre-products": [
        *_SAFETY,
        FASTNESS_WASHING,
        FASTNESS_RUBBING,
        FILL_MASS,
        FILL_FIBRE_CONTENT,
        LABELLING,
    ],
    "garments": [
        *_SAFETY,
        *_FASTNESS,
        DIMENSIONAL_CHANGE,
        PILLING,
        SEAM_SLIPPAGE,
        TENSILE_STRENGTH,
        LABELLING,
    ],
    "bedding": [
        *_SAFETY,
        *_FASTNESS,
        FASTNESS_LIGHT,
        DIMENSIONAL_CHANGE,
        PILLING,
        TEAR_STRENGTH,
        TENSILE_STRENGTH,
        FILL_MASS,
        FILL_FIBRE_CONTENT,
        DOWN_CONTENT,
        CLEANLINESS,
        LABELLING,
    ],
}

INDUSTRY_CATALOGUES = {"home-textiles": HOME_TEXTILE_CATEGORIES}
INDUSTRY_ITEMS = {"home-textiles": HOME_TEXTILE_ITEMS}


@transaction.atomic
def setup_catalogue(cooperative: Cooperative, industry: str) -> int:
    """Load the test catalogue of a known industry; returns how many categories it added.

    Categories and items that exist already are left as the cooperative edited them.
    """
    added = 0
    items = INDUSTRY_ITEMS.get(industry, {})
    for code, name_zh, name_en in INDUSTRY_CATALOGUES.get(industry, []):
        category, created = TestCategory.objects.get_or_create(
            cooperative=cooperative, code=code, defaults={"name_zh": name_zh, "name_en": name_en}
        )
        added += created
        existing = set(category.items.values_list("code", flat=True))
        TestItem.objects.bulk_create(
            [
                TestItem(
                    category=category,
                    code=spec.code,
                    name_zh=spec.name_zh,
                    name_en=spec.name_en,
                    method_standard=spec.method_standard,
                    unit=spec.unit,
                    limit_text=spec.limit_text,
                    limit_min=spec.limit_min,
                    limit_max=spec.limit_max,
                    result_type=TestItem.ResultType.NUMBER
                    if spec.numeric
                    else TestItem.ResultType.TEXT,
                )
                for spec in items.get(code, [])
                if spec.code not in existing
            ]
        )
    return added
