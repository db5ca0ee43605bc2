"""Consents: versioned consent texts per purpose, signed consents with their PDF and its
SHA-256, withdrawals, and the gate that the scheduling, charting and portal apps ask."""
