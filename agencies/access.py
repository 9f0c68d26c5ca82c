"""Who may see and change what.

One place answers it for pages, the API, exports and file downloads. Outsiders get a
404 (the object might as well not exist), read-only users a 403 on writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404


@dataclass
class Viewer:
    user: object
    is_admin: bool = False
    agency_ids: frozenset = field(default_factory=frozenset)
    office_plan_ids: frozenset = field(default_factory=frozenset)
    office_region_ids: frozenset = field(default_factory=frozenset)
    leader_plan_ids: frozenset = field(default_factory=frozenset)
    leader_region_ids: frozenset = field(default_factory=frozenset)

    @classmethod
    def of(cls, user) -> Viewer:
        """The viewer for a user, built with one query and cached on the user object."""
        cached = getattr(user, "_carbon_viewer", None)
        if cached is not None:
            return cached
        if user is None or not user.is_authenticated:
            viewer = cls(user=user)
        else:
            from .models import Role

            roles = list(
                Role.objects.filter(user=user).values_list("kind", "agency_id", "plan_id", "region_id")
            )
            by = lambda kind, col: frozenset(r[col] for r in roles if r[0] == kind and r[col])  # noqa: E731
            viewer = cls(
                user=user,
                is_admin=user.is_superuser or any(r[0] == "admin" for r in roles),
                agency_ids=by("staff", 1),
                office_plan_ids=by("office", 2),
                office_region_ids=by("office", 3),
                leader_plan_ids=by("leader", 2),
                leader_region_ids=by("leader", 3),
            )
        try:
            user._carbon_viewer = viewer
        except AttributeError:
            pass
        return viewer

    # --- what kind of user ---------------------------------------------------------
    @property
    def is_office(self) -> bool:
        return self.is_admin or bool(self.office_plan_ids or self.office_region_ids)

    @property
    def is_leader(self) -> bool:
        return bool(self.leader_plan_ids or self.leader_region_ids)

    @property
    def is_agency_staff(self) -> bool:
        return bool(self.agency_ids)

    @property
    def is_read_only(self) -> bool:
        return self.is_leader and not (self.is_office or self.is_agency_staff)

    # --- plans -------------------------------------------------------------------------
    def _plan_scope_q(self, plan_ids, region_ids, prefix=""):
        from plans.models import Region

        q = Q(**{f"{prefix}pk__in": list(plan_ids)}) if plan_ids else Q(pk__in=[])
        if region_ids:
            q |= Region.subtree_q(region_ids, prefix=f"{prefix}region")
        return q

    def supervised_plans_q(self):
        """Plans this user reviews as office or reads as leader."""
        return self._plan_scope_q(
            self.office_plan_ids | self.leader_plan_ids, self.office_region_ids | self.leader_region_ids
        )

    def filter_plans(self, qs):
        if self.is_admin:
            return qs
        if not getattr(self.user, "is_authenticated", False):
            return qs.none()
        q = self.supervised_plans_q()
        if self.agency_ids:
            from tasks.models import TaskAssignment

            q |= Q(
                pk__in=TaskAssignment.objects.filter(agency_id__in=self.agency_ids).values(
                    "task__action__plan_id"
                )
            )
        return qs.filter(q)

    def filter_plans_related(self, qs, path):
        """Objects hanging off a plan (by `path`) whose plan is visible."""
        if self.is_admin:
            return qs
        from plans.models import Plan

        return qs.filter(**{f"{path}__in": self.filter_plans(Plan.objects.all()).values("pk")})

    def _chain(self, plan):
        region = plan.region
        ids = []
        while region is not None:
            ids.append(region.pk)
            region = region.parent
        return ids

    def is_office_of(self, plan) -> bool:
        if self.is_admin:
            return True
        if plan.pk in self.office_plan_ids:
            return True
        return bool(self.office_region_ids) and any(r in self.office_region_ids for r in self._chain(plan))

    def is_leader_of(self, plan) -> bool:
        if plan.pk in self.leader_plan_ids:
            return True
        return bool(self.leader_region_ids) and any(r in self.leader_region_ids for r in self._chain(plan))

    def supervises(self, plan) -> bool:
        return self.is_office_of(plan) or self.is_leader_of(plan)

    # --- tasks and reports -------------------------------------------------------------
    def filter_tasks(self, qs):
        if self.is_admin:
            return qs
        if not getattr(self.user, "is_authenticated", False):
            return qs.none()
        q = self._plan_scope_q(
            self.office_plan_ids | self.leader_plan_ids,
            self.office_region_ids | self.leader_region_ids,
            prefix="action__plan__",
        )
        if self.agency_ids:
            from tasks.models import TaskAssignment

            q |= Q(pk__in=TaskAssignment.objects.filter(agency_id__in=self.agency_ids).values("task_id"))
        return qs.filter(q)

    def filter_reports(self, qs):
        """Reports the user may read: the office's and leader's plans; an agency's own,
        and, for a task the agency leads, its supporters' reports."""
        if self.is_admin:
            return qs
        if not getattr(self.user, "is_authenticated", False):
            return qs.none()
        q = self._plan_scope_q(
            self.office_plan_ids | self.leader_plan_ids,
            self.office_region_ids | self.leader_region_ids,
            prefix="task__action__plan__",
        )
        if self.agency_ids:
            from tasks.models import TaskAssignment

            led = TaskAssignment.objects.filter(agency_id__in=self.agency_ids, role="lead").values("task_id")
            q |= Q(agency_id__in=self.agency_ids) | Q(task_id__in=led)
        return qs.filter(q)

    def may_edit_report(self, report) -> bool:
        """Only the agency's own staff write a report."""
        return report.agency_id in self.agency_ids

    def may_review_report(self, report) -> bool:
        return self.is_office_of(report.task.action.plan)

    # --- audit trail -------------------------------------------------------------------
    @property
    def may_browse_audit(self) -> bool:
        """The office reads the trail of its plans, the administrator all of it."""
        return self.is_office

    def filter_audit_entries(self, qs):
        """Entries of the plans this user is office of; entries tied to no plan (agencies,
        roles granted without a plan) only for the administrator."""
        if self.is_admin:
            return qs
        if not (self.office_plan_ids or self.office_region_ids):
            return qs.none()
        return qs.filter(self._plan_scope_q(self.office_plan_ids, self.office_region_ids, prefix="plan__"))

    def filter_office_plans(self, qs):
        """Plans this user is office of (all of them for the administrator)."""
        if self.is_admin:
            return qs
        if not (self.office_plan_ids or self.office_region_ids):
            return qs.none()
        return qs.filter(self._plan_scope_q(self.office_plan_ids, self.office_region_ids))


def get_plan_for_user(user, pk, *, office=False):
    """The plan, if the user may see it (404 otherwise); office=True also requires the
    office role for it (403 for a user who may only read)."""
    from plans.models import Plan

    plan = get_object_or_404(Plan.objects.visible_to(user).select_related("region", "region__parent"), pk=pk)
    if office and not Viewer.of(user).is_office_of(plan):
        raise PermissionDenied
    return plan


def get_report_for_user(user, pk, *, write=False, review=False):
    from tasks.models import ProgressReport

    report = get_object_or_404(
        ProgressReport.objects.visible_to(user).select_related(
            "task", "task__action", "task__action__plan", "task__action__plan__region", "agency", "period"
        ),
        pk=pk,
    )
    viewer = Viewer.of(user)
    if write and not viewer.may_edit_report(report):
        raise PermissionDenied
    if review and not viewer.may_review_report(report):
        raise PermissionDenied
    return report
