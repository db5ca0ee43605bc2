from tests.patients.fixtures import harbour_patient, harbour_practitioner, maria

__all__ = ["harbour_patient", "harbour_practitioner", "maria"]
