"""`{% url %}` with each address reversed once per process (a template builtin, settings
TEMPLATES, so every template's `{% url %}` is this one).

Django's tag asks `reverse` on every render, and `reverse` walks the URL patterns each
time: the frame's navigation alone is nine addresses, and the staff pages spent 0.3 to
0.8 ms of each request there (DESIGN 12). An address is a function of the URL name, its
arguments, the namespace the page was resolved in, the script prefix and the URLconf,
which do not change while the process runs, so the answer is kept, keyed on all of them.
Arguments other than plain whole numbers and text (a model, a lazy string) are reversed
as Django does, every time: their text is not theirs to promise.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import template
from django.template.base import Parser, Token
from django.template.context import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Distinct addresses kept: the pages' own links are a few dozen per clinic; rows' links
# (a patient each) come and go, and the oldest are dropped first.
KEPT = 8192


def reverse_once(
    view_name: str, args: list[Any], kwargs: dict[str, Any], current_app: str | None
) -> str:
    """`reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)`, kept when
    every argument is a plain int or str; NoReverseMatch as `reverse` raises it."""
    values = [*args, *kwargs.values()]
    if not all(type(v) is int or isinstance(v, str) for v in values):
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    # str(v): a SafeString and the str it equals give one address; the type is in the key
    # so that 7 and "7" are kept apart (they give the same address, but need not).
    return _kept(
        view_name,
        tuple((type(v) is int, str(v)) for v in args),
        tuple((k, type(v) is int, str(v)) for k, v in kwargs.items()),
        current_app,
        get_script_prefix(),
        get_urlconf(),
    )


@lru_cache(maxsize=KEPT)
def _kept(
    view_name: str,
    args: tuple[tuple[bool, str], ...],
    kwargs: tuple[tuple[str, bool, str], ...],
    current_app: str | None,
    script_prefix: str,
    urlconf: Any,
) -> str:
    return reverse(
        view_name,
        urlconf=urlconf,
        args=[int(v) if is_int else v for is_int, v in args],
        kwargs={k: int(v) if is_int else v for k, is_int, v in kwargs},
        current_app=current_app,
    )


class ReversedOnceNode(URLNode):
    """Django's URLNode (same syntax, same answers), reversing through `reverse_once`."""

    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        try:
            current_app = request.current_app  # type: ignore[union-attr]
        except AttributeError:
            try:
                current_app = request.resolver_match.namespace  # type: ignore[union-attr]
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse_once(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> ReversedOnceNode:
    """As Django's `{% url %}` (parsed by it), rendered by ReversedOnceNode."""
    node = django_url(parser, token)
    return ReversedOnceNode(node.view_name, node.args, node.kwargs, node.asvar)
