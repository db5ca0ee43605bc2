"""Page addresses for the rows of a list, reversed once per page instead of once per row.

A day of 35 appointments asked Django's `reverse` for about 200 addresses (patient, details,
each visit step, book again), which cost more than everything else the page did but its
template (DESIGN 12). `Links` reverses each URL name once, with stand-ins for the ids, and
fills in each row's ids by replacing them: the same address `reverse` gives, for ids that
are whole numbers or slugs (which `reverse` leaves as they are).
"""

from __future__ import annotations

import re

from django.urls import NoReverseMatch, reverse

_PLAIN = re.compile(r"[A-Za-z0-9_-]+")


class Links:
    """`links("workspace:patient", patient_id=7)` is `reverse` of it with `fixed`
    (`clinic_slug`) added, each name and set of arguments reversed once."""

    def __init__(self, **fixed: str) -> None:
        self.fixed = fixed
        self._patterns: dict[tuple[str, tuple[str, ...]], tuple[str, tuple[str, ...]]] = {}

    def __call__(self, name: str, **ids: int | str) -> str:
        key = (name, tuple(ids))
        found = self._patterns.get(key)
        if found is None:
            found = self._patterns[key] = self._pattern(name, tuple(ids))
        url, stand_ins = found
        for stand_in, value in zip(stand_ins, ids.values(), strict=True):
            text = str(value)
            if not _PLAIN.fullmatch(text):
                return reverse(name, kwargs={**self.fixed, **ids})  # quoted by reverse
            url = url.replace(stand_in, text)
        return url

    def _pattern(self, name: str, names: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
        # Stand-ins that match an int converter and a slug one, and nothing else in a URL.
        stand_ins = tuple(f"9{n}8765432{n}" for n in range(len(names)))
        url = reverse(name, kwargs={**self.fixed, **dict(zip(names, stand_ins, strict=True))})
        if any(url.count(s) != 1 for s in stand_ins):
            raise NoReverseMatch(f"{name} cannot be filled in by id: {names}")
        return url, stand_ins
