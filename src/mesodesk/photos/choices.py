"""The standard views and kinds of a clinical photo (CLINIC.md §4)."""

from django.db import models


class View(models.TextChoices):
    """Where the camera stood: the standard views of aesthetic photography, and the body's."""

    FRONTAL = "frontal", "Frontal"
    OBLIQUE_LEFT = "oblique_left_45", "45° left"
    OBLIQUE_RIGHT = "oblique_right_45", "45° right"
    LATERAL_LEFT = "lateral_left_90", "90° left"
    LATERAL_RIGHT = "lateral_right_90", "90° right"
    VERTEX = "vertex", "Vertex (scalp from above)"
    BODY_FRONT = "body_front", "Body, front"
    BODY_BACK = "body_back", "Body, back"
    BODY_LEFT = "body_left", "Body, left side"
    BODY_RIGHT = "body_right", "Body, right side"


class Kind(models.TextChoices):
    """When in the course the photo was taken."""

    BEFORE = "before", "Before"
    AFTER = "after", "After"
    PROGRESS = "progress", "Progress"


class Variant(models.TextChoices):
    """Which stored file of a photo is served."""

    FULL = "full", "Full size"
    THUMBNAIL = "thumbnail", "Thumbnail"
