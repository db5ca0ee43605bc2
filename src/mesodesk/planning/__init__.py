"""Treatment plans and the sessions planned from a series template."""
