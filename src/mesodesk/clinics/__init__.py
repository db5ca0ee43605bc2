"""Clinics (the tenants) and the staff who work in them."""
