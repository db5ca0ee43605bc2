"""HL7 FHIR R4 over mesodesk's records (issue 12; CLINIC.md 7, DESIGN 10): read, search,
`$everything` and Bulk Data `$export` at `/fhir/r4/`."""
