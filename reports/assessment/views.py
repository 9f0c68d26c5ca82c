"""Pages of the year-end assessment: a plan's years and schemes, a round (the office's
ranking and work, an agency's own score), one agency's breakdown, and the office's
steps. Thin: access from carbonplan.access, rules in the services."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Agency
from carbonplan.access import (
    Viewer,
    assessment_agency_ids,
    get_adjustment_for_user,
    get_assessment_for_user,
    get_objection_for_user,
    get_plan_for_user,
    visible_plans,
)
from carbonplan.downloads import Export, file_response

from ..exporters.assessment_xlsx import AssessmentXlsx
from ..marks import figures_pending
from . import services
from .forms import AdjustmentForm, AnswerForm, ObjectionForm, SchemeForm, WindowForm, YearForm
from .models import (
    SCHEME_RULE_FIELDS,
    Assessment,
    AssessmentNotice,
    AssessmentScheme,
    AssessmentState,
    Component,
)
from .rules import component_help
from .selectors import breakdown, export_context, round_page, rounds_with_scores


def _errors(request, exc: ValidationError):
    for message in exc.messages:
        messages.error(request, message)


def _own_agencies(user, plan):
    """The agencies of the user's staff roles that carry a task of the plan."""
    viewer = Viewer.of(user)
    if not viewer.agency_ids:
        return []
    return list(
        Agency.objects.filter(pk__in=viewer.agency_ids, assignments__task__action__plan=plan)
        .distinct()
        .order_by("pk")
    )


@login_required
@require_GET
def assessments_home(request):
    """年度考核: the plans the user works on, each with its latest rounds."""
    plans = list(visible_plans(request.user).select_related("region").order_by("region__name", "title"))
    latest = {}
    for assessment in Assessment.objects.filter(plan__in=[p.pk for p in plans]).order_by("-year", "-round"):
        latest.setdefault(assessment.plan_id, assessment)
    items = [{"plan": p, "latest": latest.get(p.pk)} for p in plans]
    return render(request, "reports/assessment/home.html", {"items": items})


@login_required
@require_GET
def plan_assessments(request, plan_id):
    """A plan's years: the scheme and rounds of each; the office starts and edits them."""
    plan = get_plan_for_user(request.user, plan_id)
    viewer = Viewer.of(request.user)
    supervises = viewer.is_admin or viewer.supervises(plan)
    if "year" in request.GET and (viewer.is_admin or viewer.is_office_of(plan)):
        # The office picks a year to set the scheme of.
        chosen = YearForm(request.GET)
        if chosen.is_valid():
            return redirect("reports:assessment-scheme", plan.pk, chosen.cleaned_data["year"])
        messages.error(request, _("请填写考核年度（2000–2100）。"))
    own = None if supervises else [a.pk for a in _own_agencies(request.user, plan)]
    if own is not None and not own:
        raise Http404
    rounds = list(rounds_with_scores(plan, own))
    if own is not None:
        today = timezone.localdate()
        rounds = [
            r for r in rounds
            if r.state == AssessmentState.PUBLISHED
            or (r.state == AssessmentState.OBJECTION and r.objection_opens_on and r.objection_opens_on <= today)
        ]  # fmt: skip
    schemes = {}
    scheme_rows = AssessmentScheme.objects.filter(plan=plan).order_by("year", "version")
    if own is not None:
        scheme_rows = scheme_rows.filter(published_at__isnull=False)
    for scheme in scheme_rows:
        schemes[scheme.year] = scheme
    years = sorted(set(schemes) | {r.year for r in rounds}, reverse=True)
    this_year = timezone.localdate().year
    return render(
        request,
        "reports/assessment/plan.html",
        {
            "plan": plan,
            "years": [
                {"year": y, "scheme": schemes.get(y), "rounds": [r for r in rounds if r.year == y]}
                for y in years
            ],
            "is_office": viewer.is_office_of(plan) or viewer.is_admin,
            "supervises": supervises,
            "year_form": YearForm(initial={"year": this_year if this_year not in schemes else this_year + 1}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request, plan_id, year):
    """考核方案 of a year: the office edits and publishes it; everyone else who may see the
    plan reads the published version (agencies learn how they will be scored)."""
    plan = get_plan_for_user(request.user, plan_id, office=request.method == "POST")
    viewer = Viewer.of(request.user)
    is_office = viewer.is_admin or viewer.is_office_of(plan)
    current = services.latest_scheme(plan, year)
    shown = current if is_office else services.latest_scheme(plan, year, published=True)
    if shown is None and not is_office:
        raise Http404
    initial = {name: getattr(shown, name) for name in SCHEME_RULE_FIELDS} if shown else {}
    if shown is None:
        earlier = services.latest_scheme_before(plan, year)
        initial = {name: getattr(earlier or AssessmentScheme(), name) for name in SCHEME_RULE_FIELDS}
    form = SchemeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        try:
            if "publish" in request.POST and current is not None and not form.has_changed():
                services.scheme_publish(scheme=current, by=request.user)
                messages.success(request, _("考核方案已发布，本年度的考核按此方案计分。"))
                return redirect("reports:plan-assessments", plan.pk)
            if form.is_valid():
                scheme = services.scheme_save(plan=plan, year=year, data=form.cleaned_data, by=request.user)
                if "publish" in request.POST:
                    services.scheme_publish(scheme=scheme, by=request.user)
                    messages.success(request, _("考核方案已保存并发布。"))
                elif current is not None and scheme.pk != current.pk:
                    messages.success(
                        request,
                        _(
                            "该方案已用于已发布的考核结果，修改另存为第%(v)s版（未发布）；已发布的结果仍按原版本。"
                        )
                        % {"v": scheme.version},
                    )
                else:
                    messages.success(request, _("考核方案已保存。"))
                return redirect("reports:plan-assessments", plan.pk)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
    return render(
        request,
        "reports/assessment/scheme.html",
        {
            "plan": plan,
            "year": year,
            "scheme": shown,
            "form": form,
            "is_office": is_office,
            "in_use": current is not None and services.scheme_in_use(current),
            "components": [(c.label, component_help(c)) for c in Component],
        },
    )


@login_required
@require_POST
def assessment_start(request, plan_id):
    plan = get_plan_for_user(request.user, plan_id, office=True)
    form = YearForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写考核年度（2000–2100）。"))
        return redirect("reports:plan-assessments", plan.pk)
    try:
        assessment = services.assessment_start(plan=plan, year=form.cleaned_data["year"], by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("reports:plan-assessments", plan.pk)
    messages.success(request, _("已开始计算 %(year)s 年度考核得分。") % {"year": assessment.year})
    return redirect("reports:assessment", assessment.pk)


@login_required
@require_GET
def assessment_detail(request, assessment_id):
    assessment = get_assessment_for_user(request.user, assessment_id)
    viewer = Viewer.of(request.user)
    agencies = assessment_agency_ids(request.user, assessment)
    page = round_page(assessment, agency_ids=agencies)
    own = agencies is not None
    today = timezone.localdate()
    context = {
        "assessment": assessment,
        "plan": assessment.plan,
        "is_office": viewer.is_admin or viewer.is_office_of(assessment.plan),
        "own": own,
        "today": today,
        "components": list(Component),
        "objection_open": assessment.objection_open(today),
        "window_form": WindowForm(
            initial={
                "opens_on": assessment.objection_opens_on or today,
                "closes_on": assessment.objection_closes_on or today + dt.timedelta(days=7),
            }
        ),
        "adjustment_form": AdjustmentForm(agencies=[s.agency for s in page["scores"]]),
        "notices": list(AssessmentNotice.objects.filter(assessment=assessment).select_related("requested_by"))
        if not own
        else [],
        "pending": assessment.compute_state in (Assessment.Compute.QUEUED, Assessment.Compute.RUNNING),
        # Since when a change to the plan waits to be counted in the figures the scores read.
        "figures_pending": figures_pending(assessment.plan)
        if assessment.state != AssessmentState.PUBLISHED
        else None,
        **page,
    }
    if own and len(page["scores"]) == 1:
        context["parts"] = breakdown(page["scores"][0])
        context["objection_form"] = ObjectionForm()
    return render(request, "reports/assessment/round.html", context)


@login_required
@require_GET
def assessment_agency(request, assessment_id, agency_id):
    """One agency's score and the breakdown of every point, its objections and the items
    entered for it; the office answers objections here."""
    assessment = get_assessment_for_user(request.user, assessment_id)
    agencies = assessment_agency_ids(request.user, assessment)
    if agencies is not None and agency_id not in agencies:
        raise Http404
    page = round_page(assessment, agency_ids=[agency_id])
    if not page["scores"]:
        raise Http404
    viewer = Viewer.of(request.user)
    is_office = viewer.is_admin or viewer.is_office_of(assessment.plan)
    today = timezone.localdate()
    return render(
        request,
        "reports/assessment/agency.html",
        {
            "assessment": assessment,
            "plan": assessment.plan,
            "score": page["scores"][0],
            "parts": breakdown(page["scores"][0]),
            "adjustments": page["adjustments"],
            "objections": page["objections"],
            "is_office": is_office,
            "own": agencies is not None,
            "objection_open": assessment.objection_open(today),
            "objection_form": ObjectionForm(),
            "answer_form": AnswerForm(),
        },
    )


@login_required
@require_GET
def assessment_status(request, assessment_id):
    assessment = get_assessment_for_user(request.user, assessment_id)
    return JsonResponse(
        {
            "id": assessment.pk,
            "state": assessment.compute_state,
            "state_label": assessment.get_compute_state_display(),
            "computed_at": assessment.computed_at.isoformat() if assessment.computed_at else None,
            "error": assessment.compute_error,
        }
    )


@login_required
@require_GET
def assessment_xlsx(request, assessment_id):
    assessment = get_assessment_for_user(request.user, assessment_id)
    if assessment_agency_ids(request.user, assessment) is not None:
        raise Http404  # the whole table is the office's and the leaders'
    return file_response(AssessmentXlsx().export(export_context(assessment)))


ACTIONS = ("recompute", "objections", "publish", "revise")


@login_required
@require_POST
def assessment_action(request, assessment_id, action):
    """The office's steps: compute again, open the 公示 window, publish, start a new round."""
    if action not in ACTIONS:
        raise Http404
    assessment = get_assessment_for_user(request.user, assessment_id, office=True)
    target = assessment
    try:
        if action == "recompute":
            services.assessment_recompute(assessment=assessment, by=request.user)
            messages.success(request, _("已开始重新计算。"))
        elif action == "objections":
            form = WindowForm(request.POST)
            if not form.is_valid():
                for errors in form.errors.values():
                    for error in errors:
                        messages.error(request, error)
                return redirect("reports:assessment", assessment.pk)
            services.assessment_open_objections(assessment=assessment, by=request.user, **form.cleaned_data)
            messages.success(request, _("已公示，各单位可在申诉期内查看本单位得分并提出申诉。"))
        elif action == "publish":
            services.assessment_publish(assessment=assessment, by=request.user)
            messages.success(request, _("考核结果已发布。"))
        else:
            target = services.assessment_revise(assessment=assessment, by=request.user)
            messages.success(
                request, _("已发起第%(round)s轮考核；已发布的结果保持不变。") % {"round": target.round}
            )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("reports:assessment", target.pk)


@login_required
@require_POST
def objection_raise(request, assessment_id):
    assessment = get_assessment_for_user(request.user, assessment_id)
    agencies = assessment_agency_ids(request.user, assessment)
    if agencies is None:
        raise Http404  # the office answers objections; it does not raise them
    score = assessment.scores.filter(agency_id__in=agencies).select_related("agency").first()
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明申诉理由（不超过2000字）。"))
    else:
        try:
            services.objection_raise(
                assessment=assessment, agency=score.agency, by=request.user, **form.cleaned_data
            )
            messages.success(request, _("申诉已提交，专班办公室答复后将通知本单位。"))
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("reports:assessment-agency", assessment.pk, score.agency_id)


@login_required
@require_POST
def objection_answer(request, objection_id):
    objection = get_objection_for_user(request.user, objection_id, office=True)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            services.objection_answer(
                objection=objection,
                answer=form.cleaned_data["answer"],
                correction=form.correction(),
                by=request.user,
            )
            messages.success(request, _("已答复申诉。"))
        except ValidationError as exc:
            _errors(request, exc)
    return redirect("reports:assessment-agency", objection.assessment_id, objection.agency_id)


@login_required
@require_POST
def adjustment_add(request, assessment_id):
    assessment = get_assessment_for_user(request.user, assessment_id, office=True)
    agencies = [s.agency for s in assessment.scores.select_related("agency")]
    form = AdjustmentForm(request.POST, request.FILES, agencies=agencies)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("reports:assessment", assessment.pk)
    data = form.cleaned_data
    agency = get_object_or_404(Agency, pk=data["agency"])
    try:
        services.adjustment_add(
            assessment=assessment, agency=agency, kind=data["kind"], points=data["points"], reason=data["reason"],
            upload=data.get("evidence"), component=data.get("component") or "", by=request.user,
        )  # fmt: skip
        messages.success(request, _("已录入，得分正在重新计算。"))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("reports:assessment", assessment.pk)


@login_required
@require_POST
def adjustment_remove(request, adjustment_id):
    adjustment = get_adjustment_for_user(request.user, adjustment_id, office=True)
    try:
        services.adjustment_remove(adjustment=adjustment, by=request.user)
        messages.success(request, _("已删除，得分正在重新计算。"))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("reports:assessment", adjustment.assessment_id)


@login_required
@require_GET
def adjustment_evidence(request, adjustment_id):
    adjustment = get_adjustment_for_user(request.user, adjustment_id)
    if not adjustment.evidence:
        raise Http404
    try:
        handle = adjustment.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("文件不存在。"))
    content_type = _content_type(adjustment.evidence_name)
    return file_response(Export(adjustment.evidence_name or "evidence", content_type, handle))


def _content_type(name: str) -> str:
    from tasks.evidence import EVIDENCE_TYPES

    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return EVIDENCE_TYPES.get(ext, ("application/octet-stream",))[0]
