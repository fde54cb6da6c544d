"""Where uploaded files live: the local disk by default, a private S3-compatible bucket in
production (``MEDIA_S3_BUCKET``, docs/operations.md).

Evidence is personal data, and every other upload (lab files, PDFs) is read by web and worker
processes on different machines, so in production nothing is kept on a process's own disk. The
bucket is private: objects are written with the ``private`` ACL, and no file has a URL of its
own — every download goes through a view of the portal that checks who asks
(``complaints:evidence``, the evidence of appeals and objections — ``charter:appeal_evidence``,
``inspections:objection_evidence``, ``pledges:assessment_objection_evidence`` — and the pledge
and assessment PDF views).
"""

from __future__ import annotations

from typing import Any

from storages.backends.s3 import S3Storage


class FilesHaveNoUrl(Exception):
    """Raised when code asks a private file for its URL instead of serving it from a view."""


class PrivateS3Storage(S3Storage):
    """An S3-compatible bucket that nobody reads but the portal."""

    def get_default_settings(self) -> dict[str, Any]:
        defaults: dict[str, Any] = super().get_default_settings()
        # Whatever the AWS_* settings or the bucket's defaults say: private objects, never
        # overwritten (each upload has a name of its own), no signed links handed out.
        defaults.update(default_acl="private", file_overwrite=False, querystring_auth=True)
        return defaults

    def url(
        self, name: str | None, parameters: Any = None, expire: Any = None, http_method: Any = None
    ) -> str:
        raise FilesHaveNoUrl(
            "Uploaded files are private: serve them through a permission-checked view."
        )
