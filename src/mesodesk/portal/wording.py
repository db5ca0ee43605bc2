"""What the screening's findings mean, in the patient's words.

The library's messages are written for staff ("relative contraindication", "a clinician
decides with the prescriber"); a patient reads these instead. They say what the clinic's
protocol says and nothing more: no advice beyond it, and never to stop a prescribed
medicine. `{matched}` is what the patient wrote that the finding is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Why the treatment is not offered (absolute findings).
NOT_SUITABLE = {
    "pregnancy": "Mesotherapy is not offered during pregnancy.",
    "breastfeeding": "Mesotherapy is not offered while you are breastfeeding.",
    "cancer": "Mesotherapy is not offered to people who have cancer or are being treated for it.",
    "insulin_treated_diabetes": "Mesotherapy is not offered to people with diabetes treated "
    "with insulin.",
    "coagulation_disorder": "Mesotherapy is not offered to people with a bleeding or "
    "blood-clotting disorder.",
    "ingredient_allergy": "You told us about an allergy ({matched}) to something that may be "
    "used in the treatment.",
    "paralysis_history": "Mesotherapy is not offered to people who have had paralysis.",
    "cardiac_disease": "Mesotherapy is not offered to people with heart disease.",
    "urticaria": "Mesotherapy is not offered to people who have hives (urticaria).",
}
# What the patient can do about each of those reasons: only their own are shown, so a
# patient refused for an allergy never reads about pregnancy.
NOT_SUITABLE_NEXT = {
    "pregnancy": "After your pregnancy, update your answers.",
    "breastfeeding": "Once you have stopped breastfeeding, update your answers.",
    "ingredient_allergy": "If you are not sure about this allergy, book a consultation: the "
    "clinic can tell you what the treatment contains.",
}
# What a clinician will look at before a session can be booked (relative findings).
SEE_CLINIC = {
    "anticoagulant_therapy": "You take medicine that affects bleeding ({matched}). Keep "
    "taking your medicines as your doctor told you: the clinic will talk to you, and if "
    "needed to your doctor, about what this means for the treatment.",
    "unrecognized_medication": "We could not recognise a medicine you listed ({matched}). "
    "A clinician will check it with you. Keep taking your medicines as usual.",
    "unrecognized_allergy": "We could not recognise an allergy you listed ({matched}). "
    "A clinician will check it against the products the clinic uses.",
    "active_skin_infection": "You told us about an infection or inflamed skin where you "
    "want treatment. A clinician needs to look at it first; there is no treatment on that "
    "skin until it has healed.",
    "oral_retinoid": "You take a retinoid medicine by mouth ({matched}). Keep taking your "
    "medicines as prescribed: a clinician will decide with you, and your doctor if needed, when "
    "treatment is possible.",
    "injection_lipolysis": "The treatment planned for you needs its own conversation and "
    "consent with a clinician.",
    "numbing_cream_allergy": "You are allergic to a numbing cream ingredient ({matched}). "
    "A clinician will talk to you about the treatment without it.",
    "unrecognized_procedure": "We could not recognise a treatment you had recently "
    "({matched}). A clinician will check it with you.",
}
# Things to know that do not stop booking (cautions).
GOOD_TO_KNOW = {
    "otc_blood_thinner": "Some things you take ({matched}) can make bruising more likely. "
    "Your personal timeline tells you when to stop them before your session.",
    "prescribed_nsaid": "You take anti-inflammatory medicine ({matched}) that a doctor may "
    "have prescribed or advised. Do not stop your medicines on your own; ask your doctor, "
    "and tell the clinic at your visit.",
    "very_sensitive_skin": "Very sensitive skin can react with a rash after treatment.",
    "pigmentation_risk": "Your skin may be more likely to get dark marks after treatment; "
    "the clinic will take care to reduce this.",
    "keloid_tendency": "Because you tend to get raised scars, the clinic will take extra care.",
    "atopy": "Because of eczema, hay fever or allergic asthma, the clinic will test a small "
    "patch of skin 24 hours before your session.",
}
GENERIC_SEE_CLINIC = "Something in your answers needs a clinician to look at it with you."


@dataclass(frozen=True)
class Reason:
    """One finding as the patient reads it."""

    code: str
    text: str
    next_step: str = ""  # what the patient can do about it, when there is something


def _fill(template: str, finding: dict[str, Any]) -> str:
    matched = ", ".join(finding.get("matched") or [])
    if "{matched}" in template and not matched:
        template = template.replace(" ({matched})", "")
    return template.replace("{matched}", matched)


def reasons(findings: list[dict[str, Any]], severity: str) -> list[Reason]:
    """The findings of one severity ("absolute", "relative", "caution") in plain words."""
    table = {"absolute": NOT_SUITABLE, "relative": SEE_CLINIC, "caution": GOOD_TO_KNOW}[severity]
    out = []
    for finding in findings:
        if finding.get("severity") != severity:
            continue
        template = table.get(finding["code"])
        if template is None:
            # A finding added to the library after this was written: its staff message may
            # say more than a patient should read, so a plain sentence stands in for it.
            if severity == "caution":
                continue
            template = (
                "This treatment is not offered to you under the clinic's protocol."
                if severity == "absolute"
                else GENERIC_SEE_CLINIC
            )
        next_step = NOT_SUITABLE_NEXT.get(finding["code"], "") if severity == "absolute" else ""
        out.append(Reason(finding["code"], _fill(template, finding), next_step))
    return out
