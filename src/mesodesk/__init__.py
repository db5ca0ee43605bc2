"""mesodesk: a practice system for mesotherapy clinics."""

__version__ = "0.1.0"
