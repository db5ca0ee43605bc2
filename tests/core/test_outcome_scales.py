"""The outcome scales of the library and the pure check of a score against them."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mesodesk.core.errors import InputError
from mesodesk.core.library import load_library
from mesodesk.core.library.loader import read_files
from mesodesk.core.outcomes import (
    ScoreEntry,
    axis_range,
    band_of,
    chart_value,
    check_score,
    outcome_scales,
)
from mesodesk.core.progress_chart import Line, draw_progress

SCALES = load_library().scales
SVG = "{http://www.w3.org/2000/svg}"
FACE_Q = """
[[scale]]
code = "face_q"
label = "FACE-Q"
version = "x"
levels = [{ value = "1", label = "x" }]
sources = [{ ref = "S003", at = "x" }]
"""


def parse(svg: str) -> ET.Element:
    # Our own markup, drawn by the test itself: not untrusted input.
    return ET.fromstring(svg)  # noqa: S314


def entry(scale: str, **fields: object) -> ScoreEntry:
    values: dict[str, object] = {
        "rater": "practitioner",
        "method": "live",
        "time_point": "session",
        "session_number": 2,
    }
    values |= fields
    return ScoreEntry(scale=scale, **values)  # type: ignore[arg-type]


def refused(scale: str, **fields: object) -> InputError:
    with pytest.raises(InputError) as caught:
        check_score(SCALES, entry(scale, **fields))
    return caught.value


def test_the_library_holds_the_eight_outcome_scales_of_clinic_md_and_no_face_q() -> None:
    codes = {s.code for s in outcome_scales(SCALES)}
    assert codes == {
        "gais",
        "wsrs",
        "glogau",
        "fitzpatrick",
        "hexsel_css",
        "norwood",
        "ludwig",
        "satisfaction",
    }
    assert not any("face" in code for code in SCALES)
    for scale in outcome_scales(SCALES):
        assert scale.sources, scale.code
        assert scale.version, scale.code


def test_every_named_level_has_a_definition() -> None:
    for scale in outcome_scales(SCALES):
        for level in scale.levels:
            if not level.label.isdigit():
                assert level.definition, f"{scale.code} {level.value}"
        for item in scale.items:
            assert item.definition, f"{scale.code} {item.code}"


def test_norwood_has_the_type_a_and_vertex_variants_in_order() -> None:
    values = [level.value for level in SCALES["norwood"].levels]
    assert values == [
        "I", "II", "IIa", "III", "IIIa", "III vertex", "IV", "IVa", "V", "Va", "VI", "VII",
    ]  # fmt: skip


def test_a_gais_score_is_accepted_from_practitioner_patient_and_blinded_rater() -> None:
    for rater in ("practitioner", "patient", "blinded"):
        checked = check_score(SCALES, entry("gais", value="2", rater=rater))
        assert (checked.value, checked.rater, checked.session_number) == ("2", rater, 2)
        assert checked.version.startswith("Narins")


def test_gais_is_never_rated_at_the_baseline() -> None:
    error = refused("gais", value="4", time_point="baseline", session_number=None)
    assert error.field == "time_point"
    assert "baseline" in error.message


def test_a_level_outside_the_scale_is_refused_with_the_levels_allowed() -> None:
    error = refused("gais", value="6")
    assert error.field == "value"
    assert "1, 2, 3, 4, 5" in error.message
    assert refused("glogau", value="V", time_point="baseline").field == "value"


def test_satisfaction_runs_from_0_to_10_and_only_the_patient_rates_it() -> None:
    assert check_score(SCALES, entry("satisfaction", value="0", rater="patient")).value == "0"
    assert check_score(SCALES, entry("satisfaction", value="10", rater="patient")).value == "10"
    assert refused("satisfaction", value="11", rater="patient").field == "value"
    assert refused("satisfaction", value="8").field == "rater"


def test_wsrs_is_rated_per_side_and_the_others_are_not() -> None:
    assert check_score(SCALES, entry("wsrs", value="3", side="left")).side == "left"
    assert refused("wsrs", value="3").field == "side"
    assert refused("gais", value="3", side="left").field == "side"


def test_hexsel_sums_five_items_into_a_total_with_its_band() -> None:
    items = {"a": 2, "b": 2, "c": 1, "d": 1, "e": 1}
    checked = check_score(SCALES, entry("hexsel_css", items=items))
    assert (checked.value, checked.band) == ("7", "Moderate")
    assert checked.items == items
    scale = SCALES["hexsel_css"]
    assert [band_of(scale, t) for t in (0, 1, 5, 6, 10, 11, 15)] == [
        "", "Mild", "Mild", "Moderate", "Moderate", "Severe", "Severe",
    ]  # fmt: skip


def test_hexsel_refuses_a_missing_item_an_item_out_of_range_and_a_bare_total() -> None:
    assert refused("hexsel_css", items={"a": 1, "b": 1, "c": 1, "d": 1}).field == "items.e"
    over = {"a": 4, "b": 1, "c": 1, "d": 1, "e": 1}
    assert refused("hexsel_css", items=over).field == "items.a"
    assert refused("hexsel_css", value="7").field == "value"


def test_the_time_point_needs_its_number() -> None:
    assert refused("wsrs", value="3", side="left", session_number=None).field == "session_number"
    follow = {"time_point": "follow_up", "session_number": None}
    assert refused("wsrs", value="3", side="left", **follow).field == "weeks_after"
    ok = check_score(SCALES, entry("wsrs", value="3", side="left", weeks_after=8, **follow))
    assert (ok.weeks_after, ok.session_number) == (8, None)


def test_unknown_scale_rater_and_method_are_refused() -> None:
    assert refused("face_q", value="1").field == "scale"
    assert refused("ctcae", value="1").field == "scale"  # a grade, not an outcome
    assert refused("gais", value="1", rater="nurse").field == "rater"
    assert refused("gais", value="1", method="phone").field == "method"


def test_named_levels_chart_by_their_position() -> None:
    assert chart_value(SCALES["glogau"], "III") == 3.0
    assert chart_value(SCALES["satisfaction"], "7") == 7.0
    assert axis_range(SCALES["hexsel_css"]) == (0.0, 15.0)
    assert axis_range(SCALES["norwood"]) == (1.0, 12.0)


def test_the_loader_refuses_face_q_and_a_band_gap(tmp_path: Path) -> None:
    library_dir = Path(__file__).parents[2] / "src/mesodesk/protocols/library"
    copy = tmp_path / "library"
    shutil.copytree(library_dir, copy)
    scales = copy / "scales.toml"
    text = scales.read_text()
    text = text.replace(
        '{ low = 6, high = 10, label = "Moderate" }', '{ low = 7, high = 10, label = "Moderate" }'
    )
    text += FACE_Q
    scales.write_text(text)
    _parsed, problems = read_files(copy)
    messages = " ".join(str(p) for p in problems)
    assert "without gap or overlap" in messages
    assert "licensed" in messages


def chart() -> tuple[str, list[tuple[str, tuple[str, ...]]]]:
    drawn = draw_progress(
        chart_id="t",
        title="GAIS <test>",
        columns=["Session 1", "Session 2", "Session 3"],
        lines=[
            Line("Practitioner", (3.0, 2.0, 1.0), ("3", "2", "1")),
            Line("Patient", (None, 3.0, 2.0), ("", "3", "2")),
        ],
        low=1,
        high=5,
        better="lower",
        ticks=[(float(v), str(v)) for v in range(1, 6)],
    )
    return drawn.svg, drawn.rows


def test_the_progress_svg_is_well_formed_and_accessible() -> None:
    svg, _rows = chart()
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "t-title t-desc"
    assert root.find(f"{SVG}title").text == "GAIS <test>"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "lower score is better" in desc
    assert "Patient: Session 2 3, Session 3 2" in desc


def test_the_svg_markers_carry_the_figures_of_the_table() -> None:
    svg, rows = chart()
    root = parse(svg)
    drawn: dict[str, list[str]] = {}
    for element in root.iter():
        if element.get("data-line"):
            drawn.setdefault(element.get("data-line") or "", []).append(
                element.get("data-value") or ""
            )
    assert drawn == {name: [f for f in figures if f] for name, figures in rows}


def test_better_is_drawn_higher_up_whichever_way_the_scale_runs() -> None:
    svg, _rows = chart()
    root = parse(svg)
    ys = [float(c.get("cy") or 0) for c in root.iter(f"{SVG}circle") if c.get("data-value")]
    assert ys[0] > ys[1] > ys[2]  # GAIS 3, 2, 1: each better, each higher (smaller y)
