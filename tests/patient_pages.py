"""Every page and API answer of mesodesk, sorted by whether it shows patient data, and a
clinic with one of everything they can show (the walks of tests/audit/test_reads_are_logged.py
and tests/web/test_cache_control.py).

`test_every_route_is_sorted` (in the cache-control walk) fails when a route is added
without being sorted here, so a new page cannot slip past both walks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from mesodesk.accounts.models import User
from mesodesk.accounts.services import issue_api_token
from mesodesk.clinics.models import Clinic
from mesodesk.clinics.services import add_device, add_room
from mesodesk.consents.models import SignedConsent
from mesodesk.messaging.models import ContactPreferences, Reminder
from mesodesk.patients.models import Patient
from mesodesk.patients.services import record_intake
from mesodesk.photos.models import Photo
from mesodesk.photos.services import take_photo
from mesodesk.planning.models import TreatmentPlan
from mesodesk.planning.services import create_plan
from mesodesk.portal.services import renew_calendar_feed
from mesodesk.safety.models import SideEffectReport
from mesodesk.scheduling.models import Appointment
from mesodesk.scheduling.services import book_appointment
from tests.accounts.helpers import sign_in_with_mfa
from tests.api.conftest import intake
from tests.helpers import give_consents
from tests.photos.files import png
from tests.photos.fixtures import give_photo_consent
from tests.portal.conftest import make_patient

BERLIN = ZoneInfo("Europe/Berlin")

# Staff pages (workspace and outbox) that show patient data: each read is logged.
STAFF_READS = {
    "workspace:today",
    "workspace:week",
    "workspace:patients",
    "workspace:patient",
    "workspace:intake",
    "workspace:plan",
    "workspace:plan_new",
    "workspace:plan_edit",
    "workspace:book",
    "workspace:series",
    "workspace:appointment",
    "workspace:session_scores",
    "workspace:progress",
    "messaging:outbox",
    "workspace:photos",
    "workspace:photo_upload",
    "workspace:photo_compare",
    "workspace:photo_image",
    "workspace:consent_collect",
    "workspace:consent",
}
# API answers (GET) that carry patient data: each read is logged.
API_READS = {
    "api-v1:list_patients",
    "api-v1:read_patient",
    "api-v1:list_intakes",
    "api-v1:list_screenings",
    "api-v1:read_screening",
    "api-v1:list_plans",
    "api-v1:read_plan",
    "api-v1:day_schedule",
    "api-v1:read_appointment",
    "api-v1:appointment_reminders",
    "api-v1:patient_reminders",
    "api-v1:list_consents",
    "api-v1:list_patient_scores",
    "api-v1:list_appointment_scores",
}
# A patient's own pages (portal, and the choices behind a message's link): their data,
# kept out of caches; the calendar downloads are logged (DESIGN §11), the pages are not.
PATIENT_OWN = {
    "portal:home",
    "portal:intake",
    "portal:outcome",
    "portal:book",
    "portal:timeline",
    "portal:calendar",
    "portal:feed",
    "portal:side_effects",
    "portal:side_effect_sent",
    "portal:preferences",
    "portal:delete",
    "portal:ratings",
    "portal:rate",
    "messaging:preferences",
    "portal:consents",
    "portal:consent_sign",
    "portal:consent_pdf",
}
# Routes that show no patient data, or only take a POST and redirect.
NO_PATIENT_DATA = {
    "home",
    "healthz",
    "account_signup",
    "api-v1:api-root",
    "api-v1:openapi-json",
    "api-v1:find_slots",
    "workspace:home",
    "workspace:patient_new",
    "favicon",
    # Stock: products, lots and their moves name no patient.
    "workspace:stock",
    "workspace:stock_lot",
    "workspace:stock_product",
    "workspace:stock_product_new",
    "workspace:stock_products",
    "workspace:stock_receive",
    "api-v1:list_lots",
    "api-v1:list_moves",
    "api-v1:list_products",
    "api-v1:read_barcode",
    "api-v1:read_lot",
    "api-v1:read_product",
    # Signals name lots, products, techniques and practitioners, never a patient.
    "api-v1:signals",
    "api-v1:list_scales",
    "workspace:library",
    "workspace:library_rule",
    "workspace:settings",
    "workspace:settings_closures",
    "workspace:settings_rooms",
    "workspace:settings_devices",
    "workspace:settings_working_hours",
    "workspace:settings_staff",
    "workspace:invitation",
    "portal:signup",
    "portal:deleted",
    "messaging:report",
    "api-v1:list_templates",  # the clinic's consent texts
    # FHIR: the CapabilityStatement, and kick-offs of an export (202, the work is the
    # worker's; tests/fhir/test_bulk.py).
    "fhir-metadata",
    "fhir-export",
    "fhir-export-group",
    "fhir-export-patient",
    # Admins' settings pages: forms, feeds of staff, rooms and devices, API tokens.
    "workspace:admin_exports",
    "workspace:admin_feeds",
    "workspace:admin_integrations",
    "workspace:my_feed",
}
# Pages whose reads are logged and tested in their own modules.
READS_TESTED_ELSEWHERE = {
    "workspace:merge",  # admins only: tests/workspace/test_clinical_merge.py
    # A recall's patients, one access event each: tests/workspace/test_stock_pages.py and
    # tests/api/test_inventory.py.
    # A session record's content, one access event each read: tests/charting/.
    "workspace:record",
    "api-v1:read_record",
    "api-v1:list_records",
    "workspace:stock_recall",
    "workspace:stock_recall_csv",
    "api-v1:lot_recipients",
    # Adverse events, reports and signals (clinical roles only; front desk gets 403):
    # tests/workspace/test_safety_pages.py and tests/api/test_safety.py.
    "workspace:safety",
    "workspace:adverse_event_new",
    "workspace:adverse_event",
    "workspace:side_effect_report",
    "api-v1:list_events",
    "api-v1:read_event",
    "api-v1:list_open_reports",
    # Photos are clinical (the walk's API token is the front desk's): tests/api/test_photos.py.
    "api-v1:list_photos",
    "api-v1:read_photo_image",
    # A consent's PDF (a download event) and the tablet screen: tests/consents/.
    "workspace:consent_pdf",
    "workspace:consent_tablet",
    "api-v1:read_consent",
    "api-v1:consent_pdf",
    # FHIR reads, searches, $everything, groups and export files by bearer token, one
    # access event per patient read: tests/fhir/test_server.py, tests/fhir/test_bulk.py.
    "fhir-read",
    "fhir-search",
    "fhir-search-post",
    "fhir-everything",
    "fhir-group",
    "fhir-export-status",
    "fhir-export-file",
    # CSV exports (admins; one export event each) and staff calendar feeds (initials, one
    # download event a fetch): tests/exports/.
    "workspace:admin_export_csv",
    "api-v1:export_csv",
    "workspace:staff_feed",
    # Deletion requests (admins): tests/workspace/test_deletion_requests.py; the patient's
    # own copy of their data (a download event): tests/portal/test_data_copy.py.
    "workspace:deletion_requests",
    "workspace:deletion_request",
    "portal:data_copy",
    "portal:data_copy_download",
}
POST_ONLY = {
    "api-v1:create_event",
    "api-v1:add_follow_up",
    "api-v1:triage_report",
    "api-v1:close_report",
    "workspace:adverse_event_follow_up",
    "api-v1:upload_photo",
    "workspace:score_entered_in_error",
    "api-v1:create_score",
    "workspace:record_open",
    "workspace:record_numbing",
    "workspace:record_administration",
    "workspace:record_observations",
    "workspace:record_sign",
    "workspace:record_addendum",
    "workspace:record_entered_in_error",
    "api-v1:open_record",
    "api-v1:numbing",
    "api-v1:add_administration",
    "api-v1:observations",
    "api-v1:sign",
    "api-v1:addendum",
    "api-v1:entered_in_error",
    "api-v1:adjust",
    "api-v1:contact_recipients",
    "api-v1:create_product",
    "api-v1:quarantine",
    "api-v1:recall",
    "api-v1:receive_lot",
    "api-v1:release",
    "api-v1:update_product",
    "api-v1:waste",
    "workspace:plan_close",
    "workspace:visit",
    "workspace:late_cancel",
    "workspace:settle_rebooking",
    "api-v1:check_in",
    "api-v1:undo_check_in",
    "api-v1:start",
    "api-v1:complete",
    "api-v1:no_show",
    "api-v1:late_cancel",
    "api-v1:update_plan",
    "api-v1:close_plan",
    "workspace:sign_off",
    "workspace:reschedule",
    "workspace:cancel",
    "workspace:library_rule_remove",
    "portal:cancel",
    "portal:feed_renew",
    "messaging:twilio_status",
    "api-v1:register_patient",
    "api-v1:record_intake",
    "api-v1:sign_off",
    "api-v1:create_plan",
    "api-v1:book",
    "api-v1:reschedule",
    "api-v1:cancel",
    "api-v1:book_series",
    "workspace:consent_hand_over",
    "workspace:consent_return",
    "workspace:consent_verify",
    "workspace:consent_withdraw",
    "portal:consent_withdraw",
    "api-v1:sign_consent",
    "api-v1:verify_consent",
    "api-v1:withdraw_consent",
}


def route_names() -> set[str]:
    """The name of every route (each API operation is one) but the admin's, whose pages
    log their reads themselves (audit.admin), and allauth's, which show the user's own
    account only."""
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) in ("admin/", "accounts/"):
                    continue
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, inner)
            elif pattern.name:
                names.add(namespace + pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


@dataclass
class World:
    """Lindenhof with a patient who has an account, an intake, a plan, an appointment,
    reminders, a calendar feed and a side-effect report; signed-in clients of its staff,
    of the patient, and API tokens of the front desk and of a practitioner."""

    clinic: Clinic
    patient: Patient
    plan: TreatmentPlan
    appointment: Appointment
    reminder: Reminder
    report: SideEffectReport
    consent: SignedConsent
    feed_token: str
    prefs_token: str
    photo: Photo
    desk: Client
    doctor: Client
    portal: Client
    api: Client  # the front desk's token
    api_doctor: Client  # a practitioner's token

    def staff_urls(self) -> dict[str, tuple[str, Patient | None]]:
        """Each staff page of STAFF_READS: its URL and whose record it shows (None for a
        page of several patients)."""
        c, p, a = "/staff/lindenhof", self.patient.pk, self.appointment.pk
        day = timezone.localtime(self.appointment.start, BERLIN).date().isoformat()
        return {
            "workspace:today": (f"{c}/?day={day}", None),
            "workspace:week": (f"{c}/week/?start={day}", None),
            "workspace:patients": (f"{c}/patients/", None),
            "workspace:patient": (f"{c}/patients/{p}/", self.patient),
            "workspace:intake": (f"{c}/patients/{p}/intake/", self.patient),
            "workspace:plan": (f"{c}/patients/{p}/plans/{self.plan.pk}/", self.patient),
            "workspace:plan_new": (f"{c}/patients/{p}/plans/new/", self.patient),
            "workspace:plan_edit": (f"{c}/patients/{p}/plans/{self.plan.pk}/edit/", self.patient),
            "workspace:book": (f"{c}/patients/{p}/book/", self.patient),
            "workspace:series": (f"{c}/patients/{p}/plans/{self.plan.pk}/series/", self.patient),
            "workspace:appointment": (f"{c}/appointments/{a}/", self.patient),
            "workspace:session_scores": (f"{c}/appointments/{a}/scores/", self.patient),
            "workspace:progress": (f"{c}/patients/{p}/progress/", self.patient),
            "messaging:outbox": ("/reminders/lindenhof/outbox/", None),
            "workspace:photos": (f"{c}/patients/{p}/photos/", self.patient),
            "workspace:photo_upload": (f"{c}/patients/{p}/photos/new/", self.patient),
            "workspace:photo_compare": (f"{c}/patients/{p}/photos/compare/", self.patient),
            "workspace:photo_image": (f"{c}/photos/{self.photo.pk}/image/", self.patient),
            "workspace:consent_collect": (f"{c}/patients/{p}/consents/", self.patient),
            "workspace:consent": (f"{c}/consents/{self.consent.pk}/", self.patient),
            "messaging:outbox preview": (
                f"/reminders/lindenhof/outbox/?show={self.reminder.pk}",
                self.patient,
            ),
        }

    def api_urls(self) -> dict[str, tuple[str, Patient | None]]:
        """Each API answer of API_READS, as staff_urls."""
        c, p = "/api/v1/clinics/lindenhof", self.patient.pk
        screening = self.patient.screenings.order_by("-id").first()
        assert screening is not None
        day = timezone.localtime(self.appointment.start, BERLIN).date().isoformat()
        appointment = f"{c}/appointments/{self.appointment.pk}"
        return {
            "api-v1:list_patients": (f"{c}/patients", None),
            "api-v1:read_patient": (f"{c}/patients/{p}", self.patient),
            "api-v1:list_intakes": (f"{c}/patients/{p}/intakes", self.patient),
            "api-v1:list_screenings": (f"{c}/patients/{p}/screenings", self.patient),
            "api-v1:read_screening": (f"{c}/screenings/{screening.pk}", self.patient),
            "api-v1:list_plans": (f"{c}/patients/{p}/plans", self.patient),
            "api-v1:read_plan": (f"{c}/plans/{self.plan.pk}", self.patient),
            "api-v1:day_schedule": (f"{c}/appointments?day={day}", None),
            "api-v1:read_appointment": (appointment, self.patient),
            "api-v1:appointment_reminders": (f"{appointment}/reminders", self.patient),
            "api-v1:patient_reminders": (f"{c}/patients/{p}/reminders", self.patient),
            "api-v1:list_consents": (f"{c}/patients/{p}/consents", self.patient),
            "api-v1:list_patient_scores": (f"{c}/patients/{p}/scores", self.patient),
            "api-v1:list_appointment_scores": (f"{appointment}/scores", self.patient),
        }

    def patient_urls(self) -> dict[str, str]:
        """Each page of PATIENT_OWN."""
        c = "/portal/lindenhof"
        return {
            "portal:home": f"{c}/",
            "portal:intake": f"{c}/intake/",
            "portal:outcome": f"{c}/outcome/",
            "portal:book": f"{c}/book/",
            "portal:timeline": f"{c}/timeline/",
            "portal:calendar": f"{c}/calendar.ics",
            "portal:feed": f"{c}/feed/{self.feed_token}.ics",
            "portal:side_effects": f"{c}/side-effects/",
            "portal:side_effect_sent": f"{c}/side-effects/{self.report.pk}/",
            "portal:preferences": f"{c}/preferences/",
            "portal:delete": f"{c}/delete/",
            "portal:ratings": f"{c}/ratings/",
            "portal:rate": f"{c}/sessions/{self.appointment.pk}/rate/",
            "messaging:preferences": f"/reminders/p/{self.prefs_token}/",
            "portal:consents": f"{c}/consents/",
            "portal:consent_sign": f"{c}/consents/sign/{self.consent.template_id}/",
            "portal:consent_pdf": f"{c}/consents/{self.consent.pk}/pdf/",
        }


def build_world(clinic: Clinic, fiona: User, pedro: User) -> World:
    """The World of one test (pedro works there; the appointment is two weeks ahead)."""
    room = add_room(clinic=clinic, name="Room 1")
    needles = add_device(clinic=clinic, name="Needles", device_type="manual_needle_kit")
    patient = make_patient(clinic, "lena@example.test", "Lena")
    record_intake(clinic=clinic, patient=patient, by=fiona, answers=intake())
    give_consents(patient, photography="clinical")
    today = timezone.now().astimezone(BERLIN).date()
    monday = today + timedelta(days=14 + (7 - today.weekday()))
    plan = create_plan(
        clinic=clinic,
        patient=patient,
        by=pedro,
        indication="skin_rejuvenation",
        areas=["face"],
        ingredients=["hyaluronic_acid"],
        technique="manual_needle",
        schedule_template="monthly_starter",
        first_session=datetime.combine(monday + timedelta(days=1), time(10), BERLIN),
    )
    prefs = ContactPreferences.objects.create(clinic=clinic, patient=patient, email=True)
    appointment = book_appointment(
        clinic=clinic,
        patient=patient,
        by=fiona,
        kind="session",
        start=datetime.combine(monday, time(15), BERLIN),
        practitioner=pedro,
        room=room,
        device=needles,
    )
    reminder = Reminder.objects.filter(appointment=appointment).first()
    assert reminder is not None, "booking made no reminder"
    # Written directly: the service wants a session held before the report's date, and the
    # walks only need a report to show.
    report = SideEffectReport.objects.create(
        clinic=clinic,
        patient=patient,
        reported_by=patient.portal_user,
        symptoms=["redness"],
        area="face",
        since=date(2020, 1, 1),
        how_bad="mild",
    )
    feed = renew_calendar_feed(clinic=clinic, patient=patient)
    give_photo_consent(patient, pedro)
    photo = take_photo(
        clinic=clinic,
        patient=patient,
        by=pedro,
        data=png(),
        area="face",
        view="frontal",
        kind="before",
    )
    portal = Client()
    portal.force_login(patient.portal_user)
    token = issue_api_token(clinic=clinic, user=fiona, name="walk")[1]
    return World(
        clinic=clinic,
        patient=patient,
        plan=plan,
        appointment=appointment,
        reminder=reminder,
        report=report,
        consent=SignedConsent.objects.filter(patient=patient).first(),  # type: ignore[misc]
        feed_token=feed.token,
        prefs_token=prefs.token,
        photo=photo,
        desk=sign_in_with_mfa(Client(), fiona),
        doctor=sign_in_with_mfa(Client(), pedro),
        portal=portal,
        api=Client(headers={"Authorization": f"Bearer {token}"}),
        api_doctor=Client(
            headers={
                "Authorization": "Bearer "
                + issue_api_token(clinic=clinic, user=pedro, name="walk")[1]
            }
        ),
    )
