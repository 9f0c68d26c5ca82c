import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import OperationalError, transaction

from reports import jobs, rollups
from reports.models import Rollup
from reports.services import rollup_pending_key, rollup_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def computed(monkeypatch):
    """Records every real rollup computation (the real function still runs)."""
    calls = []
    real = rollups.rollup_plan_period

    def spy(**kwargs):
        calls.append((kwargs["plan"].pk, kwargs["period"].pk))
        return real(**kwargs)

    monkeypatch.setattr(rollups, "rollup_plan_period", spy)
    return calls


def test_a_request_runs_only_once_the_transaction_commits(quarter, computed):
    q = quarter
    with transaction.atomic():
        rollup_request(plan_id=q.plan_a.pk, period_id=q.period_a.pk)
        assert computed == []
        assert not Rollup.objects.filter(plan=q.plan_a).exists()
    assert computed == [(q.plan_a.pk, q.period_a.pk)]
    assert Rollup.objects.get(plan=q.plan_a, scope="plan").expected == 3


def test_fifty_approvals_in_one_transaction_produce_one_recompute(quarter, computed):
    q = quarter
    with transaction.atomic():
        for _ in range(50):
            rollup_request(plan_id=q.plan_a.pk, period_id=q.period_a.pk)
        rollup_request(plan_id=q.plan_b.pk, period_id=q.period_b.pk)
    assert sorted(computed) == sorted([(q.plan_a.pk, q.period_a.pk), (q.plan_b.pk, q.period_b.pk)])


def test_while_a_job_is_queued_later_requests_join_it(quarter, computed):
    q = quarter
    # A queued job not yet started holds the flag (as it does with a worker and countdown).
    cache.add(rollup_pending_key(q.plan_a.pk, q.period_a.pk), 1)
    for _ in range(5):
        rollup_request(plan_id=q.plan_a.pk, period_id=q.period_a.pk)
    assert computed == []
    # The job clears the flag before reading, so the next request after it queues again.
    jobs.recompute_plan_period.delay(plan_id=q.plan_a.pk, period_id=q.period_a.pk)
    rollup_request(plan_id=q.plan_a.pk, period_id=q.period_a.pk)
    assert len(computed) == 2


def test_a_rolled_back_transaction_queues_nothing_and_does_not_block_the_next(quarter, computed):
    q = quarter
    with pytest.raises(RuntimeError), transaction.atomic():
        rollup_request(plan_id=q.plan_a.pk, period_id=q.period_a.pk)
        raise RuntimeError("rollback")
    assert computed == []
    with transaction.atomic():
        rollup_request(plan_id=q.plan_a.pk, period_id=q.period_a.pk)
    assert computed == [(q.plan_a.pk, q.period_a.pk)]


def test_the_job_retries_a_transient_database_error(quarter, monkeypatch):
    q = quarter
    attempts = []
    real = rollups.rollup_plan_period

    def flaky(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(rollups, "rollup_plan_period", flaky)
    result = jobs.recompute_plan_period.apply(
        kwargs={"plan_id": q.plan_a.pk, "period_id": q.period_a.pk}, throw=False
    )
    assert result.successful()
    assert len(attempts) == 2
    assert Rollup.objects.filter(plan=q.plan_a, scope="plan").exists()


def test_the_job_does_not_retry_a_mistake(quarter, monkeypatch):
    q = quarter
    attempts = []

    def broken(**kwargs):
        attempts.append(1)
        raise ValueError("bad data")

    monkeypatch.setattr(rollups, "rollup_plan_period", broken)
    result = jobs.recompute_plan_period.apply(
        kwargs={"plan_id": q.plan_a.pk, "period_id": q.period_a.pk}, throw=False
    )
    assert result.failed()
    assert attempts == [1]


def test_jobs_acknowledge_late_and_retry_only_transient_errors():
    for job in (jobs.recompute_plan_period, jobs.recompute_all_rollups, jobs.send_due_reminders):
        assert job.acks_late is True
        assert set(job.autoretry_for) == set(jobs.TRANSIENT)
    assert jobs.generate_bulletin.acks_late is True


def test_a_job_for_a_deleted_quarter_does_nothing(quarter):
    assert jobs.recompute_plan_period.apply(kwargs={"plan_id": 999999, "period_id": 999999}).result is None


def test_the_nightly_job_recomputes_every_opened_quarter(quarter):
    q = quarter
    assert not Rollup.objects.filter(scope="plan").exists()
    assert jobs.recompute_all_rollups.delay().get() == {"computed": 2, "plans": 2}
    stored = set(Rollup.objects.filter(scope="plan").values_list("plan_id", "period_id"))
    assert stored == {(q.plan_a.pk, q.period_a.pk), (q.plan_b.pk, q.period_b.pk)}
    # Nothing changed since and the quarters' dates are settled: nothing to do.
    assert jobs.recompute_all_rollups.delay().get() == {"computed": 0}


def test_the_management_command_recomputes_one_plan_and_says_what_it_found(quarter, capsys):
    q = quarter
    call_command(
        "recompute_rollups", "--plan", str(q.plan_a.pk), "--period", "2026q1", "--date", "2026-04-20"
    )
    out = capsys.readouterr().out
    assert "2026Q1: 应报 3，已通过 1，未报 1，红灯 1，黄灯 0，绿灯 1" in out
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="没有季度 2030Q1"):
        call_command("recompute_rollups", "--plan", str(q.plan_a.pk), "--period", "2030Q1")
    with pytest.raises(CommandError, match="日期应写作"):
        call_command("recompute_rollups", "--date", "20.4.2026")


def test_every_beat_entry_names_a_registered_job(settings):
    from carbonplan.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names == {
        "reports.jobs.recompute_all_rollups",
        "reports.jobs.recompute_stale_rollups",
        "reports.jobs.send_due_reminders",
        "reports.jobs.generate_due_bulletins",
        "reports.jobs.resume_stalled_bulletins",
        "agencies.jobs.send_due_deliveries",
        "reports.assessment.jobs.refresh_stale_assessments",
    }
    assert names <= set(app.tasks)
