"""Who read what: access events for patient records, exports and downloads."""
