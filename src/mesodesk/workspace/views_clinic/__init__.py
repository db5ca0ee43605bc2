"""The clinic half of the staff workspace: the protocol library browser and settings."""
