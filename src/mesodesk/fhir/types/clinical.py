"""Clinical resource types: Procedure, MedicationAdministration, AdverseEvent, Consent,
Media, Observation, QuestionnaireResponse, DocumentReference and Binary."""
