"""Every field has a label; a group of choices is a fieldset with a legend; errors are listed
at the top of the form, link to their fields, and the fields point back at them."""

import re

from django import forms
from django.template.loader import render_to_string


class ExampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on the licence.")
    kind = forms.ChoiceField(
        label="Kind",
        choices=[("firm", "Firm"), ("sole", "Sole proprietor")],
        widget=forms.RadioSelect,
    )
    topics = forms.MultipleChoiceField(
        label="Topics",
        choices=[("a", "Quality"), ("b", "Delivery")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    agree = forms.BooleanField(label="I agree")
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        raise forms.ValidationError("The whole form is wrong.")


def render(form: forms.Form) -> str:
    summary = render_to_string("form_errors.html", {"form": form})
    fields = "".join(render_to_string("field.html", {"field": field}) for field in form)
    return summary + fields


def test_every_visible_field_has_a_label_or_a_legend():
    html = render(ExampleForm())
    assert '<label for="id_name">Name' in html
    assert '<label for="id_agree">I agree</label>' in html
    assert re.search(r"<fieldset[^>]*>\s*<legend>Kind", html)
    assert re.search(r"<fieldset[^>]*>\s*<legend>Topics</legend>", html)
    # A group has no <label for> pointing nowhere, and a hidden field no label at all.
    assert 'for=""' not in html
    assert 'for="id_token"' not in html
    assert 'type="hidden" name="token"' in html


def test_help_text_is_tied_to_its_field():
    html = render(ExampleForm())
    assert 'id="id_name_helptext"' in html
    assert re.search(r'<input[^>]*aria-describedby="id_name_helptext"[^>]*id="id_name"', html)


def test_errors_are_listed_at_the_top_with_links_to_their_fields():
    form = ExampleForm(data={"name": ""})
    html = render(form)
    summary, _, fields = html.partition("</div>")
    assert 'role="alert"' in summary
    assert "The whole form is wrong." in summary
    assert '<a href="#id_name">Name：' in summary  # the page is in Chinese: a full-width colon
    # A group's link lands on its first choice.
    assert '<a href="#id_kind_0">Kind：' in summary
    assert 'id="id_kind_0"' in fields


def test_a_field_in_error_points_at_its_message_and_is_marked_invalid():
    html = render(ExampleForm(data={"name": ""}))
    name = re.search(r"<input[^>]*id=\"id_name\"[^>]*>", html)
    assert name is not None
    assert 'aria-invalid="true"' in name.group(0)
    assert 'aria-describedby="id_name_helptext id_name_error"' in name.group(0)
    assert html.count('id="id_name_error"') == 1
    # The group carries the description on its fieldset; its choices are marked invalid.
    assert re.search(r'<fieldset aria-describedby="id_kind_error">\s*<legend>Kind', html)
    assert 'id="id_kind_error"' in html
    assert re.search(r'<input type="radio"[^>]*aria-invalid="true"', html)
