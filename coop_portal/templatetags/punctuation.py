"""Punctuation written between template variables, in the page's language.

A Chinese page takes full-width marks (监督抽查合格率。/ 检验：3 / 陈静，法定代表人), an
English one the Latin marks; a template that writes ``{{ label }}: {{ value }}`` would show a
Latin colon on a Chinese page. Sentences written whole go through gettext with their own
punctuation; these tags are for the marks that join values the template puts side by side.
"""

from __future__ import annotations

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext

register = template.Library()


@register.simple_tag
def colon() -> str:
    """Between a label and its value: "检验：3", "inspections: 3"."""
    return pgettext("punctuation between a label and its value", ": ")


@register.simple_tag
def comma() -> str:
    """Between the parts of one phrase: "陈静，法定代表人", "Chen Jing, legal representative"."""
    return pgettext("punctuation between the parts of a phrase", ", ")


@register.simple_tag
def full_stop() -> str:
    """After a heading run into its sentence: "监督抽查合格率。", "Spot-check pass rate. "."""
    return pgettext("punctuation ending a run-in heading", ". ")


@register.simple_tag
def in_brackets(*parts: object) -> SafeString:
    """An aside after a value, its parts joined as given: "2024年度（2024年1月1日 – …）",
    "year 2024 (1 Jan 2024 – …)". The aside should hold no brackets of its own; its parts are
    escaped unless they are markup already (see ``{% bracketed %}``)."""
    aside = format_html_join("", "{}", ((part,) for part in parts))
    return format_html(
        pgettext("punctuation enclosing an aside after a value; {} is the aside", " ({})"), aside
    )


class BracketedNode(template.Node):
    def __init__(self, nodelist: template.NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        # The block's output is template output, escaped as the template escapes.
        return in_brackets(mark_safe(self.nodelist.render(context).strip()))  # noqa: S308


@register.tag
def bracketed(parser: Parser, token: Token) -> BracketedNode:
    """``{% bracketed %}…{% endbracketed %}``: ``in_brackets`` for an aside written as markup,
    such as a link ("3 条结果（<a …>总共 30</a>）", "3 results (<a …>30 total</a>)")."""
    nodelist = parser.parse(("endbracketed",))
    parser.delete_first_token()
    return BracketedNode(nodelist)


@register.simple_tag
def list_comma() -> str:
    """Between the items of a list: "检测报告、单项结果", "test reports, item results"."""
    return pgettext("punctuation between the items of a list", ", ")
