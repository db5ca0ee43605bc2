"""Throughput of the clinical core in one process: screenings/s and timelines/s.

    uv run python benchmarks/core.py [--seconds 3] [--intakes 2000]

Realistic intakes are generated from a fixed seed: everyday medications written the way
patients write them (brands, doses, extra words, some unknown), allergies, conditions,
recent procedures. Each screening parses and validates the intake document and screens
it; each timeline parses it and builds the dated timeline. Targets (DESIGN 12):
>= 10,000 screenings/s and >= 2,000 timelines/s. The last two lines are the figures.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mesodesk.core.inputs import parse_intake, parse_plan
from mesodesk.core.library import load_library
from mesodesk.core.screening import screen
from mesodesk.core.timeline import build_timeline

MEDICATIONS = [
    ("Advil", False),
    ("ibuprofen", False),
    ("Aleve", False),
    ("aspirin", False),
    ("fish oil", False),
    ("Omega-3", False),
    ("vitamin D3", False),
    ("multivitamin", False),
    ("magnesium", False),
    ("biotin", False),
    ("Synthroid", True),
    ("levothyroxine", True),
    ("metformin", True),
    ("Yasmin", True),
    ("the pill", True),
    ("Zyrtec", False),
    ("sertraline", True),
    ("Lexapro", True),
    ("Lipitor", True),
    ("atorvastatin", True),
    ("lisinopril", True),
    ("amlodipine", True),
    ("omeprazole", False),
    ("Tylenol", False),
    ("warfarin", True),
    ("Eliquis", True),
    ("baby aspirin", True),
    ("Lantus", True),
    ("retinol serum", False),
    ("Retin-A cream", True),
    ("vitamin C serum", False),
    ("glycolic acid toner", False),
    ("Zorblax", False),
    ("herbal tea mix", False),
]
DOSES = ["", " 5 mg", " 10mg", " 20 mg", " 50 mcg", " 200 mg", " 400MG", " 1000mg", " 0.05%"]
# Weighted by repetition: most patients have everyday allergies and cautions only.
ALLERGIES = ["penicillin"] * 4 + ["peanuts", "pollen", "pollen", "cats", "latex", "lidocaine"]
CONDITIONS = ["atopy", "very_sensitive_skin", "hyperpigmentation_tendency"] * 4 + [
    "keloid_tendency",
    "cardiac_disease",
    "urticaria",
]
PROCEDURES = ["glycolic peel", "Botox", "laser", "microneedling", "hydrafacial"]
PLAN = {
    "indication": "skin_rejuvenation",
    "areas": ["face", "neck"],
    "ingredients": ["hyaluronic_acid", "vitamin_c", "amino_acids", "lidocaine"],
    "technique": "manual_needle",
}


def intake(rng: random.Random) -> dict[str, Any]:
    meds = []
    for name, prescribed in rng.sample(MEDICATIONS, rng.choice([0, 1, 2, 2, 3, 4])):
        meds.append({"name": name + rng.choice(DOSES), "prescribed": prescribed})
    pregnant = rng.random() < 0.03
    return {
        "birth_date": date(
            rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)
        ).isoformat(),
        "sex": rng.choice(["female", "female", "female", "male"]),
        "pregnant": pregnant,
        "breastfeeding": not pregnant and rng.random() < 0.03,
        "conditions": sorted(set(rng.choices(CONDITIONS, k=rng.choice([0, 0, 0, 1, 1, 2])))),
        "medications": meds,
        "allergies": sorted(set(rng.choices(ALLERGIES, k=rng.choice([0, 0, 0, 1, 2])))),
        "recent_procedures": [
            {
                "name": p,
                "date": (date(2026, 11, 1) - timedelta(days=rng.randint(1, 90))).isoformat(),
            }
            for p in rng.sample(PROCEDURES, rng.choice([0, 0, 1]))
        ],
        "fitzpatrick": rng.choice([None, 1, 2, 3, 4, 5, 6]),
    }


def rate(
    label: str, work: Callable[[dict[str, Any]], object], docs: list[dict[str, Any]], seconds: float
) -> float:
    work(docs[0])  # warm the library and caches outside the clock
    done = 0
    begin = time.perf_counter()
    deadline = begin + seconds
    while time.perf_counter() < deadline:
        for doc in docs:
            work(doc)
        done += len(docs)
    elapsed = time.perf_counter() - begin
    per_second = done / elapsed
    print(
        f"{label:<12} {done:>9} in {elapsed:6.2f} s   {per_second:>10,.0f}/s   "
        f"{elapsed / done * 1e6:7.1f} µs each"
    )
    return per_second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--intakes", type=int, default=2000, help="distinct intakes generated")
    args = parser.parse_args()

    library = load_library()
    rng = random.Random(20261121)
    docs = [intake(rng) for _ in range(args.intakes)]
    plan = parse_plan(PLAN, library)
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 11, 28, 10, 0, tzinfo=zone)
    booked = datetime(2026, 11, 21, 9, 0, tzinfo=zone)

    def screening(doc: dict[str, Any]) -> object:
        return screen(parse_intake(doc, library), plan, library=library)

    def timeline(doc: dict[str, Any]) -> object:
        return build_timeline(
            parse_intake(doc, library), plan, start=start, library=library, booked_at=booked
        )

    verdicts: dict[str, int] = {}
    for doc in docs:
        verdict = screening(doc).verdict  # type: ignore[attr-defined]
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    print(f"library {library.version}; {len(docs)} intakes; verdicts {verdicts}")
    screenings = rate("screening", screening, docs, args.seconds)
    timelines = rate("timeline", timeline, docs, args.seconds)
    print(f"screenings/s {screenings:.0f}")
    print(f"timelines/s {timelines:.0f}")


if __name__ == "__main__":
    main()
