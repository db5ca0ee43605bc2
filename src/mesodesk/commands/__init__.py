"""The clinical-core commands of `mesodesk`: protocol, screen, timeline, plan.

They run without Django, except `--clinic`, which reads a clinic's overrides from the
database (imported only then, so the commands stay fast for integrations).
"""
