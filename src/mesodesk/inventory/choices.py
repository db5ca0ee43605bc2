"""Fixed vocabularies of the inventory app."""

from django.db import models


class Unit(models.TextChoices):
    """What a product's quantities count (stock, administrations)."""

    ML = "ml", "mL"


class LotStatus(models.TextChoices):
    """Whether a lot may be used. Only `available` lots are charted, and only before expiry."""

    AVAILABLE = "available", "Available"
    QUARANTINED = "quarantined", "Quarantined"
    RECALLED = "recalled", "Recalled"
    EXPIRED = "expired", "Expired"
    DEPLETED = "depleted", "Depleted"


class MoveKind(models.TextChoices):
    """Why a lot's quantity on hand changed."""

    RECEIVED = "received", "Received"
    USED = "used", "Used in a session"
    WASTED = "wasted", "Wasted"
    ADJUSTED = "adjusted", "Adjusted"
    RECALLED = "recalled", "Recalled"
    RETURNED = "returned", "Returned"


# Moves that must say why in words.
MOVES_NEEDING_A_REASON = (MoveKind.WASTED, MoveKind.ADJUSTED, MoveKind.RECALLED)
