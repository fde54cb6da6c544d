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


BRACKETS = Template(
    "{% load punctuation %}{{ name }}{% in_brackets code %} {{ period }}"
    '{% in_brackets first " – " last %}'
)
ASIDES = {
    "name": "南通紫罗兰",
    "code": "91320612",
    "period": "2024年度",
    "first": "1月1日",
    "last": "12月31日",
}


def test_a_chinese_page_puts_an_aside_in_full_width_brackets():
    with translation.override("zh-hans"):
        assert (
            BRACKETS.render(Context(ASIDES))
            == "南通紫罗兰（91320612） 2024年度（1月1日 – 12月31日）"
        )


def test_an_english_page_puts_an_aside_in_latin_brackets_after_a_space():
    with translation.override("en"):
        assert (
            BRACKETS.render(Context(ASIDES)) == "南通紫罗兰 (91320612) 2024年度 (1月1日 – 12月31日)"
        )


def test_an_aside_is_escaped():
    with translation.override("en"):
        assert BRACKETS.render(Context({**ASIDES, "code": "<b>"})).startswith(
            "南通紫罗兰 (&lt;b&gt;)"
        )


LINKED = Template(
    '{% load punctuation %}3 results{% bracketed %} <a href="?">{{ total }} total</a> '
    "{% endbracketed %}"
)


def test_an_aside_written_as_markup_keeps_its_link_inside_the_readers_brackets():
    with translation.override("zh-hans"):
        assert LINKED.render(Context({"total": 30})) == '3 results（<a href="?">30 total</a>）'
    with translation.override("en"):
        assert LINKED.render(Context({"total": "<b>"})) == (
            '3 results (<a href="?">&lt;b&gt; total</a>)'
        )
