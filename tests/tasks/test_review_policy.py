"""The review mode has one reader, the plan's ReviewPolicy (tasks/consolidation.py), and
every page, count and document that depends on it asks the policy."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

from tasks.consolidation import HANDED_IN, ReviewPolicy
from tasks.models import ProgressReport, TaskAssignment
from tests import factories as f

ROOT = Path(settings.BASE_DIR)
SKIP = {".venv", "tests", "migrations", "node_modules", "static", "locale", "fixtures"}
POLICY = ROOT / "tasks" / "consolidation.py"
# Where the field is declared (with its check constraint) and the one service that sets it.
DECLARED = {ROOT / "plans" / "models.py"}


def _product_files(suffix):
    return [p for p in ROOT.rglob(f"*{suffix}") if not set(p.relative_to(ROOT).parts) & SKIP]


def _reads_of_the_mode(path: Path, root: Path = ROOT) -> list[str]:
    """Lines reading Plan.review_mode: an attribute load (plan.review_mode,
    get_review_mode_display) or a query on it (filter(review_mode=…))."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            if node.attr in ("review_mode", "get_review_mode_display"):
                found.append(f"{path.relative_to(root)}:{node.lineno} .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("filter", "exclude", "get", "Q", "annotate", "aggregate"):
                for keyword in node.keywords:
                    if keyword.arg and keyword.arg.split("__")[0] == "review_mode":
                        found.append(f"{path.relative_to(root)}:{node.lineno} {keyword.arg}=")
    return found


def test_the_review_mode_is_read_only_by_the_review_policy():
    files = _product_files(".py")
    assert POLICY in files and len(files) > 100
    reads = [
        line for path in files if path != POLICY and path not in DECLARED for line in _reads_of_the_mode(path)
    ]
    assert reads == [], "read the review mode through tasks.consolidation.ReviewPolicy.of(plan)"
    assert any("review_mode" in line for line in _reads_of_the_mode(POLICY))
    templates = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in _product_files(".html")
        for match in re.finditer(
            r"\.(review_mode|get_review_mode_display|lead_consolidates)\b", path.read_text()
        )
    ]
    assert templates == []


def test_the_scan_would_catch_a_read_of_the_mode(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f(plan, Plan):\n"
        "    plan.review_mode = 'x'\n"  # a write is allowed
        "    if plan.review_mode == 'lead_consolidates':\n"
        "        return Plan.objects.filter(review_mode__in=['a'])\n"
    )
    reads = _reads_of_the_mode(sample, root=tmp_path)
    assert [line.split(" ", 1)[1] for line in reads] == [".review_mode", "review_mode__in="]


@pytest.mark.django_db
def test_the_policy_decides_inputs_the_office_queue_and_the_handed_in_states(world):
    w = world
    lead = f.ReportFactory(task=w.task_a1, agency=w.own, period=w.period_a, state="submitted")
    support = f.ReportFactory(task=w.task_a1, agency=w.other, period=w.period_a, state="approved")
    assert (
        ReviewPolicy.handed_in == HANDED_IN == (ProgressReport.State.SUBMITTED, ProgressReport.State.APPROVED)
    )

    policy = ReviewPolicy.of(w.plan_a)
    assert policy.lead_consolidates
    assert (policy.is_input(support), policy.office_reviews(support)) == (True, False)
    assert (policy.is_input(lead), policy.office_reviews(lead), policy.gathers_inputs(lead)) == (
        False,
        True,
        True,
    )
    roles = dict(ProgressReport.objects.filter(period=w.period_a).with_role().values_list("pk", "role"))
    assert roles == {lead.pk: TaskAssignment.Role.LEAD, support.pk: TaskAssignment.Role.SUPPORT}
    queue = policy.office_queue(ProgressReport.objects.filter(period=w.period_a))
    assert [r.pk for r in queue] == [lead.pk]

    w.plan_a.review_mode = w.plan_a.ReviewMode.OFFICE_REVIEWS_ALL
    policy = ReviewPolicy.of(w.plan_a)
    assert not policy.lead_consolidates and str(policy.label) == "专班办公室审核每个单位的填报"
    assert (policy.is_input(support), policy.office_reviews(support), policy.gathers_inputs(lead)) == (
        False,
        True,
        False,
    )
    queue = policy.office_queue(ProgressReport.objects.filter(period=w.period_a))
    assert sorted(r.pk for r in queue) == sorted([lead.pk, support.pk])
