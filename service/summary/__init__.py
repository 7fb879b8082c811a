"""Presentation of findings: contextual summaries, fingerprints, and a Report as callers see it."""
