"""The session record pages of the staff workspace."""
