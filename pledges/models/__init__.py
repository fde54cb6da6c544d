"""Pledges (models/pledge.py) and the assessments that score them (models/assessment.py)."""

from .assessment import AssessmentPeriod, AssessmentRun, MemberAssessment
from .pledge import Commitment, Pledge
from .published_files import AssessmentPdf as AssessmentPdf
from .published_files import DocumentClaim as DocumentClaim
from .reply import Reply

__all__ = ["AssessmentPeriod", "AssessmentRun", "Commitment", "MemberAssessment", "Pledge", "Reply"]
