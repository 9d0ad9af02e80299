"""Admin imports: check a job's file (a dry run with a preview), then import it on confirmation.

Called by the Celery tasks in ``rewards.tasks`` with a job id. Progress goes to the cache
(the import itself runs in one transaction, so a row update would not be seen until the
end); the admin page reads it from there.
"""

import logging

from django.core.cache import cache
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone

from loyalty.errors import ApplicationError

from ..models import ImportJob
from .columns import ImportFileError
from .importer import ImportRejected, Options, import_purchases

log = logging.getLogger(__name__)

PREVIEW_ROWS = 50


def progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def progress_of(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


def _options(job: ImportJob, *, dry_run: bool) -> Options:
    return Options(
        preset=job.preset or None,
        channel=job.channel,
        dry_run=dry_run,
        skip_invalid=job.skip_invalid,
        award_points=job.award_points,
        points_as_of_today=job.points_as_of_today,
        decimal_comma=job.decimal_comma,
        rejected_path=f"{job.file.path}.rejected.csv",
        preview_rows=PREVIEW_ROWS if dry_run else 0,
    )


def _run(job: ImportJob, *, dry_run: bool, success: str) -> ImportJob:
    def progress(phase, rows, read, total):
        cache.set(
            progress_key(job.pk),
            {"phase": phase, "rows": rows, "read": read, "total": total},
            timeout=6 * 3600,
        )

    options = _options(job, dry_run=dry_run)
    report = None
    try:
        report = import_purchases(job.file.path, options, progress=progress)
        job.status, job.message = success, ""
    except ImportRejected as exc:
        report = exc.report
        job.status, job.message = ImportJob.Status.REJECTED, str(exc)
    except (ImportFileError, ApplicationError, OSError) as exc:
        job.status, job.message = ImportJob.Status.FAILED, str(exc)
    if report is not None:
        job.summary = report.as_dict()
        if report.rejected_path:
            with open(report.rejected_path, "rb") as fh:
                job.rejected_file.save(f"job-{job.pk}-rejected.csv", File(fh), save=False)
    job.finished_at = timezone.now()
    job.save()
    cache.delete(progress_key(job.pk))
    return job


def preview_job(*, job_id: int) -> ImportJob:
    """Check the whole file and count what would happen, writing nothing."""
    job = ImportJob.objects.get(pk=job_id)
    if job.status != ImportJob.Status.PREVIEWING:
        return job  # already done (a retried task)
    return _run(job, dry_run=True, success=ImportJob.Status.PREVIEWED)


def run_job(*, job_id: int) -> ImportJob:
    """Import a previewed job's file. Safe to run twice: only one run claims the job."""
    with transaction.atomic():
        claimed = ImportJob.objects.filter(
            pk=job_id, status__in=[ImportJob.Status.PREVIEWED, ImportJob.Status.IMPORTING]
        ).update(status=ImportJob.Status.IMPORTING)
    job = ImportJob.objects.get(pk=job_id)
    if not claimed:
        return job
    # A redelivered task finds IMPORTING: the import itself is idempotent (order keys),
    # so running it again only skips what the first run committed.
    return _run(job, dry_run=False, success=ImportJob.Status.DONE)


def confirm_job(*, job_id: int) -> ImportJob:
    """Mark a previewed job to be imported; refuses any other state."""
    updated = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PREVIEWED).update(
        status=ImportJob.Status.IMPORTING
    )
    if not updated:
        raise ApplicationError("Only a checked import can be confirmed.", code="invalid_state")
    return ImportJob.objects.get(pk=job_id)
