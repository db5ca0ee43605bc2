"""The protocol library in the database (immutable versions) and clinics' overrides of it."""
