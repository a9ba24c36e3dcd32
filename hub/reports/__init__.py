"""Incident reports from human-rights defenders: a safe channel, the response workflow, and its metrics."""
