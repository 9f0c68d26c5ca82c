"""Which task, quarter and agency a user writes for: 404 to outsiders, 403 to those
who may read but do not carry the task."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from agencies.models import Agency
from carbonplan.access import Viewer, visible_plans, visible_tasks

from .. import selectors
from ..models import ReportingPeriod


def task_for_writer(user, task_id, period_id):
    """(task, period, agency) for the user's agency on this task; 404 for outsiders,
    403 for those who may read the task but do not carry it."""
    viewer = Viewer.of(user)
    task = get_object_or_404(
        visible_tasks(user).active().select_related("action", "action__plan"), pk=task_id
    )
    period = get_object_or_404(
        ReportingPeriod.objects.select_related("plan"), pk=period_id, plan_id=task.action.plan_id
    )
    assignment = selectors.writer_assignment(task, viewer.agency_ids)
    if assignment is None:
        raise PermissionDenied
    return task, period, assignment


def agency_period(user, period_id):
    """A quarter of a plan in which the user's agency carries tasks."""
    viewer = Viewer.of(user)
    period = get_object_or_404(
        ReportingPeriod.objects.select_related("plan"),
        pk=period_id,
        plan__in=get_plan_queryset(user),
    )
    agency = (
        Agency.objects.filter(pk__in=viewer.agency_ids, assignments__task__action__plan_id=period.plan_id)
        .distinct()
        .first()
    )
    if agency is None:
        raise PermissionDenied
    return period, agency


def get_plan_queryset(user):

    return visible_plans(user)
