"""Outcome scores in the workspace: a session's scores and the patient's progress."""
