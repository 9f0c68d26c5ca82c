"""Group robot deliveries through a real worker (PostgreSQL + Redis only): a notice is
posted once however often its job runs, and a 500 is retried by the worker itself."""

import os
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.channels.models import Delivery
from agencies.channels.services import channel_create
from agencies.jobs import send_delivery
from tasks.services import report_return
from tests import factories as f
from tests.worker.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "CHANNEL_RETRY_BASE_SECONDS": "1",  # the first retry a second later, not 30
    "CHANNEL_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "CHANNEL_TIMEOUT_SECONDS": "2",
    "SITE_URL": "https://carbon.example.gov.cn",
}


@pytest.fixture(scope="module")
def robot_worker(request):
    """The module's worker, started with the settings above in its environment."""
    saved = {k: os.environ.get(k) for k in WORKER_ENV}
    os.environ.update(WORKER_ENV)
    try:
        yield request.getfixturevalue("worker")
    finally:
        for k, v in saved.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)


def returned(world):
    report = f.ReportFactory(
        task=world.task_a1, agency=world.own, period=world.period_a, state="submitted", status="in_progress",
        percent=Decimal("40"), progress_text="已建成充电桩12个", submitted_at=timezone.now(),
    )  # fmt: skip
    report_return(report=report, by=world.users.office, comment="请补充验收材料")
    return report


def test_a_return_is_posted_once_by_the_worker_however_often_its_job_runs(robot_worker, world, robots):
    robot = robots()
    channel_create(plan=world.plan_a, kind="dingtalk", webhook=robot.webhook(), by=world.users.office)
    returned(world)
    d = wait_for(
        lambda: Delivery.objects.filter(status="sent").first(), worker=robot_worker, what="the delivery job"
    )
    for _ in range(3):  # a broker redelivery, a resent job
        send_delivery.delay(delivery_id=d.pk)
    wait_for(
        lambda: robot_worker.log.read_text().count("agencies.jobs.send_delivery") >= 4 * 2,
        worker=robot_worker,
        what="the repeated jobs",
    )
    d.refresh_from_db()
    assert (d.status, d.attempts, len(robot.requests)) == ("sent", 1, 1)
    assert "https://carbon.example.gov.cn/tasks/" in robot.sent[0]["markdown"]["text"]


def test_the_worker_retries_a_500_with_backoff_and_sends_once(robot_worker, world, robots):
    robot = robots()
    robot.script = [("status", 500)]
    channel_create(plan=world.plan_a, kind="dingtalk", webhook=robot.webhook(), by=world.users.office)
    returned(world)
    d = wait_for(
        lambda: Delivery.objects.filter(status="sent").first(),
        worker=robot_worker,
        what="the retried delivery",
    )
    assert (d.attempts, len(robot.requests), d.error) == (2, 2, "")
    # the retry waited its backoff (1 s in this worker), not a moment less
    assert (d.sent_at - d.created_at).total_seconds() >= 1
