"""The clinical core's checks of a charted session against the library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from mesodesk.core.charting import PointFigures, check_administration, check_numbing
from mesodesk.core.inputs import InputError
from mesodesk.core.library import load_library

LIBRARY = load_library()
D = Decimal


def codes(**kwargs: object) -> list[str]:
    return [w.code for w in check_administration(LIBRARY, **kwargs)]  # type: ignore[arg-type]


def test_the_library_holds_the_seven_techniques_with_their_depths() -> None:
    techniques = LIBRARY.injection_techniques
    assert set(techniques) == {
        "intra_epidermal",
        "papule",
        "nappage",
        "point_by_point",
        "linear_retrograde",
        "meso_gun",
        "needle_free",
    }
    assert techniques["nappage"].depth_mm.text("mm") == "2-4 mm"  # type: ignore[union-attr]
    assert techniques["papule"].depth_mm.text("mm") == "1-2 mm"  # type: ignore[union-attr]
    assert techniques["intra_epidermal"].depth_mm.text("mm") == "under 1 mm"  # type: ignore[union-attr]
    assert techniques["needle_free"].depth_mm is None
    assert techniques["point_by_point"].conflict is not None
    assert LIBRARY.injection.volume_per_point_ml.text("mL") == "0.1-0.2 mL"
    assert LIBRARY.injection.confirmed is False


def test_a_depth_inside_the_technique_range_raises_nothing() -> None:
    assert codes(technique="nappage", depth_mm=D("2.5"), volume_ml=D("2"), points=None) == []


def test_a_depth_outside_the_technique_range_is_a_warning_with_its_source() -> None:
    (warning,) = check_administration(
        LIBRARY, technique="papule", depth_mm=D("3"), volume_ml=D("1"), points=None
    )
    assert warning.code == "depth_outside_technique"
    assert "3 mm is outside 1-2 mm for papule" in warning.message
    assert warning.sources == ("Vedamurthy, IJDVL 2007",)


def test_under_one_millimetre_means_under() -> None:
    assert (
        codes(technique="intra_epidermal", depth_mm=D("0.5"), volume_ml=D("1"), points=None) == []
    )
    assert codes(technique="intra_epidermal", depth_mm=D("1"), volume_ml=D("1"), points=None) == [
        "depth_outside_technique"
    ]


def test_point_by_point_deeper_than_four_millimetres_needs_a_reason() -> None:
    assert codes(technique="point_by_point", depth_mm=D("4"), volume_ml=D("1"), points=10) == []
    assert codes(technique="point_by_point", depth_mm=D("6"), volume_ml=D("1"), points=10) == [
        "depth_outside_technique"
    ]


def test_too_much_per_point_is_a_warning_marked_unconfirmed() -> None:
    (warning,) = check_administration(
        LIBRARY, technique="point_by_point", depth_mm=D("4"), volume_ml=D("2"), points=5
    )
    assert warning.code == "volume_per_point_outside"
    assert "0.4 mL per point" in warning.message and "unconfirmed" in warning.message
    assert warning.sources == ("Mammucari et al., Sci World J 2020 (attribution unconfirmed)",)


def test_the_volume_per_point_does_not_apply_to_nappage() -> None:
    assert codes(technique="nappage", depth_mm=D("2"), volume_ml=D("2"), points=200) == []


def test_a_mapped_point_deeper_than_the_range_is_a_warning() -> None:
    points = [PointFigures(depth_mm=D("2")), PointFigures(depth_mm=D("5"))]
    assert codes(
        technique="nappage", depth_mm=D("2"), volume_ml=D("1"), points=None, point_figures=points
    ) == ["point_depth_outside_technique"]


def test_a_mapped_point_holding_too_much_is_a_warning() -> None:
    points = [PointFigures(volume_ml=D("0.1")), PointFigures(volume_ml=D("0.5"))]
    assert codes(
        technique="papule", depth_mm=D("1.5"), volume_ml=D("0.6"), points=4, point_figures=points
    ) == ["point_volume_outside"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"technique": "tattoo", "depth_mm": D("1")}, "technique"),
        ({"technique": "nappage", "depth_mm": None}, "depth_mm"),
        ({"technique": "needle_free", "depth_mm": D("1")}, "depth_mm"),
        ({"technique": "nappage", "depth_mm": D("2"), "points": 0}, "points"),
    ],
)
def test_what_cannot_be_charted_names_its_field(kwargs: dict, field: str) -> None:
    arguments = {"volume_ml": D("1"), "points": None} | kwargs
    with pytest.raises(InputError) as error:
        check_administration(LIBRARY, **arguments)
    assert error.value.field == field


def test_points_holding_more_than_was_given_are_refused() -> None:
    points = [PointFigures(volume_ml=D("0.6")), PointFigures(volume_ml=D("0.6"))]
    with pytest.raises(InputError, match="more than"):
        check_administration(
            LIBRARY,
            technique="papule",
            depth_mm=D("1"),
            volume_ml=D("1"),
            points=None,
            point_figures=points,
        )


def test_numbing_shorter_than_twenty_minutes_is_a_warning_citing_seed_002() -> None:
    on = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert check_numbing(LIBRARY, on=on, off=on + timedelta(minutes=20)) == ()
    (warning,) = check_numbing(LIBRARY, on=on, off=on + timedelta(minutes=12))
    assert warning.code == "numbing_short"
    assert "12 minutes, less than 20" in warning.message
    assert warning.sources == ("002_52dcbaaadde21bde.txt",)


def test_numbing_taken_off_before_it_went_on_is_refused() -> None:
    on = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(InputError):
        check_numbing(LIBRARY, on=on, off=on - timedelta(minutes=1))
