"""An admin import (check, then import) runs on a real Celery worker."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from rewards import tasks
from rewards.importing import jobs
from rewards.models import ImportJob, Purchase
from tests.factories import ChannelFactory, MemberFactory, ProgramFactory
from tests.helpers import assert_ledger_consistent, balance

pytestmark = pytest.mark.integration


@pytest.fixture
def media(tmp_path, settings, monkeypatch):
    """The worker and the tests see the same uploaded files."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_it_validates_ownership_a_worker_import_credits_only_the_rows_member(
    media, celery_worker_process
):
    ProgramFactory()
    ChannelFactory(code="web")
    ann, bob = MemberFactory(), MemberFactory()
    when = (timezone.now() - timedelta(days=2)).isoformat()
    content = f"order_id,email,purchased_at,amount\nW1,{ann.email},{when},25.00\n"
    job = ImportJob.objects.create(file=ContentFile(content.encode(), name="orders.csv"))

    assert tasks.preview_import_job.delay(job.pk).get(timeout=60) == "previewed"
    assert not Purchase.objects.exists()
    jobs.confirm_job(job_id=job.pk)
    assert tasks.run_import_job.delay(job.pk).get(timeout=120) == "done"

    job.refresh_from_db()
    assert job.summary["purchases_created"] == 1
    assert (balance(ann), balance(bob)) == (25, 0)
    assert_ledger_consistent()
