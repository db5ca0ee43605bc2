"""Renderings of a timeline: RFC 5545 calendar and a printable plain-text sheet."""
