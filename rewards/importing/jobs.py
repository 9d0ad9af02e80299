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

from .. import validation
from ..models import ImportJob, Program
from .columns import FIELDS, ImportFileError
from .importer import ImportRejected, Options, import_purchases
from .parsing import Reader

log = logging.getLogger(__name__)

PREVIEW_ROWS = 50


def progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def progress_of(job_id: int) -> dict | None:
    return cache.get(progress_key(job_id))


def _options(job: ImportJob, *, dry_run: bool) -> Options:
    return Options(
        preset=job.preset or None,
        mapping=dict(job.mapping or {}),
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
        job.status, job.message = ImportJob.Status.REJECTED, _rejected_message(report)
    except (ImportFileError, ApplicationError) as exc:
        job.status, job.message = ImportJob.Status.FAILED, _sentence(str(exc))
    except OSError:
        # Its text names the server's paths: logged for the operator, not shown to staff.
        log.exception("import job %s: the file could not be read", job.pk)
        job.status = ImportJob.Status.FAILED
        job.message = "The uploaded file could not be read on the server: upload it again."
    if report is not None:
        job.summary = report.as_dict()
        if report.rejected_path:
            with open(report.rejected_path, "rb") as fh:
                job.rejected_file.save(f"job-{job.pk}-rejected.csv", File(fh), save=False)
    job.finished_at = timezone.now()
    job.save()
    cache.delete(progress_key(job.pk))
    return job


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _rejected_message(report) -> str:
    """What an all-or-nothing import refused, in the admin's words (the command's message
    names the rejected file's path on the server)."""
    return (
        f"{report.rejected} row(s) are invalid, so nothing was imported. Correct them (the "
        "rejected rows can be downloaded below, with the reason) and upload the file again, "
        'or tick "Import the valid rows even if some are invalid".'
    )


def headers_of(job: ImportJob) -> list[str]:
    """The uploaded file's column headers (ImportFileError when it cannot be read)."""
    return _reader(job).read_headers()


def suggested_columns(job: ImportJob, headers: list[str], preset: str | None) -> dict[str, str]:
    """Our column -> the file's header that the import would read for it (by the preset's
    or our usual names), as the admin first offers them."""
    reader = _reader(job, preset=preset, mapping={})
    return {name: headers[index] for name, index in reader.match_columns(headers).items()
            if name in FIELDS}  # fmt: skip


def _reader(job: ImportJob, *, preset: str | None = None, mapping=None) -> Reader:
    program = Program.get()
    return Reader(
        job.file.path,
        preset=preset if preset is not None else job.preset or None,
        mapping=job.mapping if mapping is None else mapping,
        default_currency=program.currency,
        tz=timezone.get_current_timezone(),
        now=timezone.now(),
        limits=validation.limits(program),
        decimal_comma=job.decimal_comma,
    )


@transaction.atomic
def choose_columns(*, job_id: int, preset: str, mapping: dict[str, str]) -> ImportJob:
    """Record the columns chosen for an uploaded file and start checking it."""
    job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != ImportJob.Status.MAPPING:
        raise ApplicationError(
            "The columns of this import were already chosen.", code="invalid_state"
        )
    job.preset, job.mapping = preset, mapping
    job.status = ImportJob.Status.PREVIEWING
    job.save(update_fields=["preset", "mapping", "status"])
    return job


def status_of(job: ImportJob) -> dict:
    """What the admin's progress bar shows while a task works on the job."""
    progress = progress_of(job.pk) or {}
    return {
        "status": job.status,
        "label": job.get_status_display(),
        "running": job.status in (ImportJob.Status.PREVIEWING, ImportJob.Status.IMPORTING),
        "phase": progress.get("phase") or "waiting for a worker",
        "rows": progress.get("rows", 0),
        "read": progress.get("read", 0),
        "total": progress.get("total", 0),
    }


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
