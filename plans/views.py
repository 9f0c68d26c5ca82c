from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbonplan.access import (
    Viewer,
    get_import_for_user,
    get_plan_for_user,
    imports_visible_to,
    require_office,
)
from carbonplan.downloads import file_response
from indicators.models import Indicator
from tasks.models import Task

from . import import_review as review
from . import import_services, services
from .breakdown_excel import BreakdownExporter
from .duplicates import import_duplicates
from .forms import CommitForm, PlanUploadForm, RegionForm
from .import_forms import ReviewEdits, indicator_rows, project_rows
from .import_upper import plan_import_decide_upper, upper_suggestions
from .importing import source_text_of
from .models import PlanImport
from .selectors import archived_tasks, plan_breakdown


@login_required
def plan_detail(request, pk):
    plan = get_plan_for_user(request.user, pk)
    return render(
        request,
        "plans/detail.html",
        {
            "plan": plan,
            "actions": plan_breakdown(plan),
            "goals": Indicator.objects.of_plan(plan).goals().order_by("seq"),
            "is_office": Viewer.of(request.user).is_office_of(plan),
            "archived_tasks": archived_tasks(plan),
        },
    )


@login_required
@require_POST
def task_restore(request, pk, task_pk):
    plan = get_plan_for_user(request.user, pk, office=True)
    task = get_object_or_404(Task.objects.of_plan(plan).archived(), pk=task_pk)
    try:
        services.task_restore(task=task, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已恢复任务“%(title)s”。") % {"title": task.title})
    return redirect("plans:detail", pk=plan.pk)


@login_required
def plan_breakdown_xlsx(request, pk):
    plan = get_plan_for_user(request.user, pk, office=True)
    return file_response(BreakdownExporter(plan).export())


@login_required
def import_list(request):
    require_office(request.user)
    initial = {}
    if request.GET.get("replaces", "").isdigit():
        initial["replaces"] = int(request.GET["replaces"])
    form = PlanUploadForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan_import = import_services.plan_import_create(
                data=upload.read(),
                filename=upload.name,
                by=request.user,
                region=form.cleaned_data["region"],
                replaces=form.cleaned_data["replaces"],
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            if plan_import.state == PlanImport.State.FAILED:
                messages.error(request, _("无法解析“%(name)s”：%(error)s") % {
                    "name": plan_import.original_name, "error": plan_import.error})  # fmt: skip
            if import_duplicates(plan_import, request.user):
                return redirect("plans:import_duplicate", pk=plan_import.pk)
            return redirect("plans:import_review", pk=plan_import.pk)
    imports = imports_visible_to(request.user)
    # ?state=parsed: the imports parsed and waiting to be committed, as the office's home counts them.
    state = request.GET.get("state", "")
    if state in PlanImport.State.values:
        imports = imports.filter(state=state)
    else:
        state = ""
    imports = imports.order_by("-created_at")[:100]
    return render(
        request,
        "plans/import_list.html",
        {"form": form, "imports": imports, "state": state, "states": PlanImport.State.choices},
    )


def _review_context(request, plan_import, *, edits=None, commit_form=None, region_form=None):
    """The review page, built from the parsed breakdown's records (plans.parsing.schema)."""
    parsed = plan_import.parsed_plan
    is_open = plan_import.state == PlanImport.State.PARSED
    edits = edits or ReviewEdits(parsed)
    matching = review.agency_matching(parsed, plan_import.region)
    warnings = review.review_warnings(parsed, matching)
    source_text = source_text_of(plan_import)
    by_task = {}
    for warning in warnings:
        # Unknown agencies show as red chips in their rows, not as a line per task.
        if warning["ref"] and warning["code"] != "agency_unknown":
            by_task.setdefault(tuple(warning["ref"]), []).append(warning)
    actions = []
    for a_index, (action, action_forms) in enumerate(zip(parsed.actions, edits.actions, strict=True)):
        tasks = []
        for t_index, (task, task_forms) in enumerate(zip(action.tasks, action_forms["tasks"], strict=True)):
            tasks.append(
                {
                    "index": t_index,
                    "data": task,
                    "form": task_forms["form"],
                    "new_indicator_form": task_forms["new_indicator_form"],
                    "span": task.span or [None, None],
                    "warnings": by_task.get((a_index + 1, t_index + 1), []),
                    "agencies": [
                        (name, role, matching.get(name, {}))
                        for role, names in (("lead", task.lead), ("support", task.support))
                        for name in names
                    ],
                    # The prefix of each target's fields, the target as stored and its reading.
                    "indicators": [
                        (f"a{a_index}-t{t_index}-i{k}-", ind.to_dict(), review.describe_indicator(ind))
                        for k, ind in enumerate(task.indicators)
                    ],
                    "indicator_rows": indicator_rows(task_forms["indicator_forms"], task.indicators),
                    "project_rows": project_rows(task_forms["project_forms"], task.projects),
                    "new_project_form": task_forms["new_project_form"],
                    "project_texts": [p for p in task.projects if isinstance(p, str)],
                }
            )
        actions.append(
            {
                "index": a_index,
                "data": action,
                "form": action_forms["form"],
                "new_task_form": action_forms["new_task_form"],
                "tasks": tasks,
            }
        )
    codes = {}
    for warning in warnings:
        label = review.WARNING_LABELS.get(warning["code"], warning["code"])
        codes[label] = codes.get(label, 0) + 1
    return {
        "imp": plan_import,
        "parsed": parsed,
        "plan_info": parsed.plan,
        "edits": edits,
        "goals": [
            (f"gi{k}-", ind.to_dict(), review.describe_indicator(ind)) for k, ind in enumerate(parsed.goals)
        ],
        "goal_rows": indicator_rows(edits.goal_forms, parsed.goals),
        "actions": actions,
        "warnings": warnings,
        "warning_groups": review.warning_groups(warnings, source_text),
        "warning_codes": codes,
        "is_partial": review.is_partial(parsed),
        "task_count": sum(1 for _ in parsed.iter_tasks()),
        "unknown_agencies": sorted(n for n, info in matching.items() if info["status"] == "unknown"),
        "alias_agencies": sorted(
            (n, info["agency"].name) for n, info in matching.items() if info["status"] == "alias"
        ),
        "source_text": source_text,
        "diff": review.plan_diff(plan_import.replaces, parsed)
        if plan_import.replaces and is_open and plan_import.parsed
        else None,
        "errors": edits.errors() if edits.is_bound else [],
        "is_open": is_open,
        "upper_suggestions": upper_suggestions(plan_import) if is_open else [],
        "commit_form": commit_form or CommitForm(matching=matching),
        "region_form": region_form
        or RegionForm(user=request.user, initial={"region": plan_import.region_id}),
    }


@login_required
def import_review(request, pk):
    plan_import = get_import_for_user(request.user, pk)
    if request.method == "POST":
        edits = ReviewEdits(plan_import.parsed_plan, data=request.POST)
        if edits.is_valid():
            try:
                import_services.plan_import_update(
                    plan_import=plan_import, parsed=edits.edited(), by=request.user
                )
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
            else:
                messages.success(request, _("修改已保存。"))
            return redirect("plans:import_review", pk=plan_import.pk)
        # The page comes back with what the office typed and the errors beside it.
        context = _review_context(request, plan_import, edits=edits)
        return render(request, "plans/import_review.html", context, status=400)
    return render(request, "plans/import_review.html", _review_context(request, plan_import))


@login_required
@require_POST
def import_region(request, pk):
    plan_import = get_import_for_user(request.user, pk)
    form = RegionForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            import_services.plan_import_set_region(
                plan_import=plan_import, region=form.cleaned_data["region"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("plans:import_review", pk=plan_import.pk)
    context = _review_context(request, plan_import, region_form=form)
    return render(request, "plans/import_review.html", context, status=400)


@login_required
@require_POST
def import_commit(request, pk):
    plan_import = get_import_for_user(request.user, pk)
    matching = review.agency_matching(plan_import.parsed_plan, plan_import.region)
    form = CommitForm(request.POST, matching=matching)
    if form.is_valid():
        try:
            plan = import_services.plan_import_commit(
                plan_import=plan_import, by=request.user, aliases=form.aliases()
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("已导入方案“%(title)s”。") % {"title": plan.title})
            for note in getattr(plan, "import_notes", []):
                messages.warning(request, note)
            return redirect(reverse("plans:detail", args=[plan.pk]))
    else:
        messages.error(request, _("单位对应关系无效，请重新选择。"))
    return redirect("plans:import_review", pk=plan_import.pk)


@login_required
@require_POST
def import_upper_link(request, pk):
    """The office confirms or declines the suggestion that an imported task answers an upper task."""
    plan_import = get_import_for_user(request.user, pk)
    upper = request.POST.get("upper", "")
    try:
        if not upper.isdigit() or len(upper) > 18:
            raise ValidationError(_("该承接建议已不存在，请刷新页面。"))
        plan_import_decide_upper(
            plan_import=plan_import,
            key=request.POST.get("key", "")[:255],
            upper_id=int(upper),
            decision=request.POST.get("decision", ""),
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect(reverse("plans:import_review", args=[plan_import.pk]) + "#upper-links")


@login_required
@require_POST
def import_discard(request, pk):
    plan_import = get_import_for_user(request.user, pk)
    try:
        import_services.plan_import_discard(plan_import=plan_import, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("plans:import_list")
