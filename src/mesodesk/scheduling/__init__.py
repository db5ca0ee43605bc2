"""Appointments, slot search and booking, with no double booking."""
