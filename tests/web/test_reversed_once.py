"""`{% url %}` is mesodesk's builtin that reverses each address once per process."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse
from django.utils.functional import lazy

from mesodesk.web.templatetags import reversed_once
from mesodesk.web.templatetags.reversed_once import ReversedOnceNode


def render(text: str, **context: object) -> str:
    return engines["django"].from_string(text).render(context)


def test_every_template_url_tag_is_the_kept_one() -> None:
    template = engines["django"].from_string("{% url 'workspace:today' clinic_slug='a' %}")
    nodes = template.template.nodelist.get_nodes_by_type(ReversedOnceNode)  # type: ignore[attr-defined]
    assert len(nodes) == 1


def test_the_same_address_as_reverse_and_reversed_once() -> None:
    reversed_once._kept.cache_clear()
    text = "{% url 'workspace:patient' clinic_slug=slug patient_id=pid %}"
    first = render(text, slug="north", pid=7)
    assert first == reverse("workspace:patient", kwargs={"clinic_slug": "north", "patient_id": 7})
    before = reversed_once._kept.cache_info()
    assert render(text, slug="north", pid=7) == first
    after = reversed_once._kept.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
    # Other ids are other addresses, not the kept one.
    assert render(text, slug="north", pid=8).endswith("/patients/8/")
    assert render(text, slug="south", pid=7).startswith("/staff/south/")


def test_positional_arguments_and_as_variable() -> None:
    shown = render(
        "{% url 'workspace:patient' slug pid as link %}<a href='{{ link }}'>x</a>",
        slug="north",
        pid=7,
    )
    assert shown == f"<a href='{reverse('workspace:patient', args=['north', 7])}'>x</a>"


def test_arguments_that_are_not_plain_text_are_reversed_every_time() -> None:
    reversed_once._kept.cache_clear()
    lazy_slug = lazy(lambda: "north", str)()
    shown = render("{% url 'workspace:today' clinic_slug=slug %}", slug=lazy_slug)
    assert shown == reverse("workspace:today", kwargs={"clinic_slug": "north"})
    assert reversed_once._kept.cache_info().currsize == 0


def test_no_match_raises_unless_kept_as_a_variable() -> None:
    with pytest.raises(NoReverseMatch):
        render("{% url 'workspace:patient' clinic_slug='north' patient_id='x y' %}")
    assert render("{% url 'no-such-page' as link %}[{{ link }}]") == "[]"
