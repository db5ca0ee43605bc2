"""What leaves mesodesk for staff and integrations: staff calendar feeds, CSV exports for
admins, and the clinic's integration (API) tokens page."""
