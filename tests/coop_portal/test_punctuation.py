"""Marks that join template values follow the page's language."""

from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template(
    "{% load punctuation %}{{ label }}{% colon %}{{ value }}"
    " {{ name }}{% comma %}{{ title }} {{ heading }}{% full_stop %}"
)
CONTEXT = {"label": "检验", "value": 3, "name": "陈静", "title": "法定代表人", "heading": "合格率"}


def test_a_chinese_page_joins_values_with_full_width_marks():
    with translation.override("zh-hans"):
        assert TEMPLATE.render(Context(CONTEXT)) == "检验：3 陈静，法定代表人 合格率。"


def test_an_english_page_joins_values_with_latin_marks():
    with translation.override("en"):
        assert TEMPLATE.render(Context(CONTEXT)) == "检验: 3 陈静, 法定代表人 合格率. "
