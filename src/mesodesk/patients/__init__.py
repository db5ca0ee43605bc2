"""Patients, their intake versions, screening results and consents."""
