"""A select box drawn in Python, for the forms of the pages people wait on (DESIGN 12).

Django draws a `<select>` through three templates, one `{% include %}` per option and
two per attribute list: for the slot search's four lists that was a fifth of the page's
time. This widget keeps everything Django works out (the options, which is selected, the
attributes: `get_context`) and writes the markup Django's own templates write, character
for character (tests/web/test_widgets.py compares them)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: ` name="value"`, ` name` for True, nothing for
    False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}")
        if value is not True:
            out.append(f'="{conditional_escape(str(value))}"')
    return "".join(out)


class Select(forms.Select):
    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                html.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")
        # Django's renderer strips what its templates leave around the widget.
        return mark_safe("".join(html).strip())  # noqa: S308 - every value escaped
