"""Assessments of pledge fulfilment (SCORING.md): scoring, computation, publication."""
