"""No write is acknowledged and then lost: clients racing on the same reports through
gunicorn on PostgreSQL, each request on its own connection, released together.

Eight colleagues creating the same report at once: exactly one is told "created" and
the report holds that one's words; the others are told it exists and given its id.
Twenty agencies editing their own drafts at once all succeed. Two clients editing from
the same version: one wins, the other gets 409 and nothing is overwritten.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.authtoken.models import Token

from agencies.models import AuditEntry
from tasks.models import ProgressReport, ProgressReportVersion
from tests import factories as f
from tests.ops.test_load import _agencies_with_a_task_each

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

COLLEAGUES = 8
AGENCIES = 20
ROUNDS = 5


def _at_once(server, requests):
    """Send every (method, path, token, data) at the same moment; their answers in order."""
    start = threading.Barrier(len(requests))

    def send(request):
        method, path, token, data = request
        start.wait(timeout=30)
        return server.request(method, path, token=token, data=data)[:2]

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(send, requests))


def _colleagues(agency, n):
    tokens = []
    for i in range(n):
        user = f.UserFactory(username=f"{agency.name}-staff{i}")
        f.role(user, "staff", agency=agency)
        tokens.append(Token.objects.create(user=user).key)
    return tokens


def test_eight_simultaneous_creations_answer_201_once_and_the_report_holds_that_text(gunicorn_server):
    server = gunicorn_server
    plan, period, people = _agencies_with_a_task_each(1)
    action, agency = people[0][2].action, people[0][2].assignments.get().agency
    tokens = _colleagues(agency, COLLEAGUES)
    # Several rounds, each on a fresh task: the interleaving differs from one to the next.
    for round_ in range(ROUNDS):
        task = f.TaskFactory(action=action, seq=100 + round_, title=f"并发任务{round_}")
        f.AssignmentFactory(task=task, agency=agency, role="lead")
        texts = [f"第{round_}轮，第{i}位同事的进展" for i in range(COLLEAGUES)]
        answers = _at_once(
            server,
            [
                ("POST", "/api/progress-reports/", token,
                 {"task": task.pk, "period": period.pk, "percent": "30", "progress_text": text})
                for token, text in zip(tokens, texts, strict=True)
            ],
        )  # fmt: skip
        statuses = sorted(status for status, _body in answers)
        assert statuses == [201] + [400] * (COLLEAGUES - 1), answers
        created = next(body for status, body in answers if status == 201)
        report = ProgressReport.objects.get(task=task, agency=agency, period=period)
        assert created["id"] == report.pk
        assert created["progress_text"] in texts
        assert (report.progress_text, report.version) == (created["progress_text"], 2)
        for status, body in answers:
            if status != 201:
                assert (body["detail"], body["id"]) == (
                    "该单位本季度已有此任务的填报，请在原填报上修改。",
                    report.pk,
                )
        # One creation and one save recorded: nothing of the refused ones was written.
        assert list(report.versions.values_list("event", flat=True)) == ["saved"]
        assert AuditEntry.objects.filter(action="report.create", target_id=str(report.pk)).count() == 1
        assert AuditEntry.objects.filter(action="report.save", target_id=str(report.pk)).count() == 1
    assert "Traceback" not in server.log.read_text()


def test_twenty_agencies_editing_their_own_drafts_at_once_all_keep_their_text(gunicorn_server):
    server = gunicorn_server
    plan, period, people = _agencies_with_a_task_each(AGENCIES)
    reports = []
    for user, token, task in people:
        status, body, _ = server.request(
            "POST", "/api/progress-reports/", token=token,
            data={"task": task.pk, "period": period.pk, "progress_text": "初稿"},
        )  # fmt: skip
        assert status == 201, body
        reports.append((user, token, body["id"], body["version"]))
    answers = _at_once(
        server,
        [
            ("PATCH", f"/api/progress-reports/{rid}/", token,
             {"version": version, "progress_text": f"{user.username}：改稿"})
            for user, token, rid, version in reports
        ],
    )  # fmt: skip
    assert [status for status, _body in answers] == [200] * AGENCIES, answers
    for user, _token, rid, version in reports:
        report = ProgressReport.objects.get(pk=rid)
        assert (report.progress_text, report.version) == (f"{user.username}：改稿", version + 1)
    assert "Traceback" not in server.log.read_text()


def test_two_clients_saving_the_same_version_one_wins_the_other_gets_409_and_nothing_is_lost(
    gunicorn_server,
):
    server = gunicorn_server
    plan, period, people = _agencies_with_a_task_each(1)
    owner, owner_token, task = people[0]
    colleague = f.UserFactory(username="load-colleague")
    f.role(colleague, "staff", agency=task.assignments.get().agency)
    colleague_token = Token.objects.create(user=colleague).key
    status, body, _ = server.request(
        "POST", "/api/progress-reports/", token=owner_token,
        data={"task": task.pk, "period": period.pk, "progress_text": "初稿"},
    )  # fmt: skip
    assert status == 201, body
    report_id = body["id"]

    for round_ in range(10):
        version = ProgressReport.objects.get(pk=report_id).version
        texts = {owner_token: f"第{round_}轮：发改局写法", colleague_token: f"第{round_}轮：同事写法"}
        start = threading.Barrier(2)

        def save(token, version=version, texts=texts, start=start):
            start.wait(timeout=10)
            return token, server.request(
                "PATCH",
                f"/api/progress-reports/{report_id}/",
                token=token,
                data={"version": version, "progress_text": texts[token]},
            )

        with ThreadPoolExecutor(2) as pair:
            answers = dict(pair.map(save, [owner_token, colleague_token]))
        statuses = sorted(answer[0] for answer in answers.values())
        assert statuses == [200, 409], answers
        winner = next(token for token, answer in answers.items() if answer[0] == 200)
        loser = next(token for token, answer in answers.items() if answer[0] == 409)
        report = ProgressReport.objects.get(pk=report_id)
        # The winner's text is stored whole; the loser's did not overwrite it.
        assert (report.progress_text, report.version) == (texts[winner], version + 1)
        assert "未保存" in str(answers[loser][1])
        # The loser is told, reloads and saves again on the current version: both kept.
        status, body, _ = server.request(
            "PATCH",
            f"/api/progress-reports/{report_id}/",
            token=loser,
            data={"version": report.version, "progress_text": texts[winner] + "\n" + texts[loser]},
        )
        assert status == 200, body
        assert body["version"] == version + 2

    history = list(
        ProgressReportVersion.objects.filter(report_id=report_id, event="saved")
        .order_by("number")
        .values_list("snapshot__progress_text", flat=True)
    )
    assert len(history) == 1 + 2 * 10  # the first draft and two saves a round, none lost
    assert len(set(history)) == len(history)


def test_eight_simultaneous_first_autosaves_keep_one_text_and_tell_the_others(world):
    """The form's autosave creates the draft when there is none: eight tabs opened before
    any report existed save at once; one is saved, the others get 409 and its text."""
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    url = reverse("tasks:report_autosave", args=[world.task_a1.pk, world.period_a.pk])
    tabs = [Client() for _ in range(COLLEAGUES)]
    for i, tab in enumerate(tabs):
        tab.force_login(world.users.owner if i % 2 else world.users.colleague)
    start = threading.Barrier(COLLEAGUES)

    def save(i):
        try:
            start.wait(timeout=30)
            response = tabs[i].post(
                url, {"version": 0, "progress_text": f"第{i}个窗口"}, content_type="application/json"
            )
            return response.status_code, response.json()
        finally:
            connection.close()

    with ThreadPoolExecutor(COLLEAGUES) as pool:
        answers = list(pool.map(save, range(COLLEAGUES)))
    assert sorted(status for status, _body in answers) == [200] + [409] * (COLLEAGUES - 1), answers
    report = ProgressReport.objects.get(task=world.task_a1, agency=world.own, period=world.period_a)
    assert report.version == 2 and report.progress_text.startswith("第")
    for status, body in answers:
        if status == 409:
            assert body["current"]["progress_text"] == report.progress_text
    assert list(report.versions.values_list("event", flat=True)) == ["saved"]
