"""Access to bulletins and the office's report pages, on top of agencies.access."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from agencies.access import Viewer, get_plan_for_user
from plans.models import Plan, Region

from .models import Bulletin


def supervised_plans(user):
    """Plans whose bulletins the user reads: as the office or as a leader."""
    viewer = Viewer.of(user)
    qs = Plan.objects.select_related("region")
    if viewer.is_admin:
        return qs
    return qs.filter(viewer.supervised_plans_q())


def office_plans(user):
    viewer = Viewer.of(user)
    qs = Plan.objects.select_related("region")
    if viewer.is_admin:
        return qs
    if not viewer.is_office:
        return qs.none()
    return qs.filter(viewer._plan_scope_q(viewer.office_plan_ids, viewer.office_region_ids))


def get_supervised_plan(user, pk):
    """The plan if the user is its office or leader; 404 for everyone else, agency
    staff included (bulletins are not theirs to browse)."""
    plan = get_plan_for_user(user, pk)
    if not Viewer.of(user).supervises(plan):
        raise Http404
    return plan


def get_office_plan(user, pk):
    """404 for outsiders, 403 for those who may only read the plan."""
    return get_plan_for_user(user, pk, office=True)


def get_bulletin_for_user(user, pk, *, office=False):
    bulletin = get_object_or_404(
        Bulletin.objects.select_related("plan", "plan__region", "plan__region__parent", "period").filter(
            plan__in=supervised_plans(user).values("pk")
        ),
        pk=pk,
    )
    if office and not Viewer.of(user).is_office_of(bulletin.plan):
        raise PermissionDenied
    return bulletin


def get_region_for_user(user, pk) -> Region:
    """A region for the office or leaders of it or of a region above it; 404 otherwise."""
    region = get_object_or_404(Region.objects.select_related("parent", "parent__parent"), pk=pk)
    viewer = Viewer.of(user)
    if viewer.is_admin:
        return region
    scope = viewer.office_region_ids | viewer.leader_region_ids
    chain, node = [], region
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    if not any(pk in scope for pk in chain):
        raise Http404
    return region
