"""factcheck.widgets.QuickSelect writes what Django's Select writes, byte for byte (issue 19: the lists' rendering)."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from factcheck.widgets import QuickSelect

CHOICES = [
    ("", "Anyone"),
    ("me", gettext_lazy("Me")),
    ("7", 'Ann <b>"O\'Neil"</b> & co'),
    (8, 12345),
    ("safe", mark_safe("<i>kept</i>")),
    ("Group <x>", [("a&b", "A & B"), ("c", "C")]),
    ("none", "Nobody (unassigned)"),
]


@pytest.mark.parametrize("value", [None, "", "7", "8", "a&b", "missing", ["7", "c"]])
@pytest.mark.parametrize(
    "attrs", [None, {"id": "id_who"}, {"id": "id_who", "required": True, "disabled": False, "data-x": 'q"<'}]
)
@pytest.mark.parametrize("language", ["en", "ar"])
def test_it_writes_what_djangos_select_writes(value, attrs, language):
    with override(language):
        expected = forms.Select(choices=CHOICES).render("who", value, attrs)
        written = QuickSelect(choices=CHOICES).render("who", value, attrs)
    assert written == expected
    assert "&lt;b&gt;&quot;O&#x27;Neil&quot;&lt;/b&gt; &amp; co" in written  # the label escaped
    assert "<i>kept</i>" in written  # a safe label left alone, as Django does


def test_a_bound_field_renders_it_with_its_id_and_selection():
    class Filters(forms.Form):
        who = forms.ChoiceField(choices=CHOICES, required=False, widget=QuickSelect)

    field = Filters({"who": "7"})["who"]
    html = str(field)
    assert html.startswith('<select name="who" id="id_who">')
    assert '<option value="7" selected>' in html
    assert html.count(" selected") == 1


def test_the_article_filters_use_it():
    from annotations.article_views import ArticleFilterForm

    form = ArticleFilterForm(outlets=["A <b>"], people=[])
    assert {type(form.fields[name].widget) for name in ("status", "assignee", "outlet")} == {QuickSelect}
    assert '<option value="A &lt;b&gt;">A &lt;b&gt;</option>' in str(form["outlet"])
