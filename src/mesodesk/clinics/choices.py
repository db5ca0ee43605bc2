"""Fixed vocabularies of the clinics app."""

from django.db import models


class Role(models.TextChoices):
    """What a staff member may do in a clinic."""

    ADMIN = "admin", "Clinic admin"
    PRACTITIONER = "practitioner", "Practitioner"
    FRONT_DESK = "front_desk", "Front desk"


class InvitationStatus(models.TextChoices):
    """Where a staff invitation stands."""

    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
