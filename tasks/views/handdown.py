"""The upper office's pages for 上级任务下达: hand a task down to the plans below (link a
suggested task or create one with split targets), take a link back, and choose whether
the task's progress follows the tasks answering it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbonplan.access import get_task_for_office, get_task_for_unlink

from ..handdown import handdown_candidates, plans_below, task_hand_down, task_set_progress_source, task_unlink
from ..models import HandDown, Task

# The hand-down form's choice "the lower office answers it itself".
WAIT = "wait"


def _task_page(task) -> str:
    return reverse("reports:dashboard-task", args=[task.action.plan_id, task.pk]) + "#handed-down"


def _posted(request, plans, indicators):
    """What the form asks for, as the service takes it."""
    chosen = [p for p in plans if request.POST.get(f"plan_{p.pk}")]
    links, targets, waiting = {}, {}, []
    for plan in chosen:
        link = request.POST.get(f"link_{plan.pk}", "").strip()
        if link.isdigit():
            links[plan.pk] = int(link)
        elif link == WAIT:
            waiting.append(plan.pk)
        targets[plan.pk] = {
            ind.pk: request.POST.get(f"target_{plan.pk}_{ind.pk}", "").strip() for ind in indicators
        }
    return chosen, links, targets, waiting


@login_required
def hand_down(request, task_id):
    task = get_task_for_office(request.user, task_id)
    plans = plans_below(task)
    indicators = list(task.indicators.order_by("seq", "pk"))
    answering = {
        t.action.plan_id: t for t in Task.objects.filter(parent=task).active().select_related("action")
    }
    handed = set(HandDown.objects.filter(task=task).values_list("plan_id", flat=True))
    if request.method == "POST":
        chosen, links, targets, waiting = _posted(request, plans, indicators)
        try:
            if not chosen:
                raise ValidationError(_("请至少选择一个下级方案。"))
            done = task_hand_down(
                task=task,
                plans=chosen,
                links=links,
                targets=targets,
                waiting=waiting,
                by=request.user,
                title=request.POST.get("title", "").strip(),
                source_text=request.POST.get("source_text", "").strip(),
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            created = sum(1 for item in done if item.created)
            messages.success(
                request,
                _(
                    "已下达到 %(n)s 个下级方案（新建任务 %(created)s 项，关联已有任务 %(linked)s 项，"
                    "待下级落实 %(waiting)s 个）。"
                )
                % {
                    "n": len(chosen),
                    "created": created,
                    "linked": len(done) - created,
                    "waiting": len(chosen) - len(done),
                },
            )
            return redirect(_task_page(task))
    candidates = handdown_candidates(task, [p for p in plans if p.pk not in answering])
    rows = [
        {
            "plan": plan,
            "answering": answering.get(plan.pk),
            "waiting": plan.pk in handed and plan.pk not in answering,
            "candidates": candidates.get(plan.pk, []),
            "checked": bool(request.POST.get(f"plan_{plan.pk}")) if request.method == "POST" else False,
            "link": request.POST.get(f"link_{plan.pk}", "") if request.method == "POST" else "",
            "targets": [(ind, request.POST.get(f"target_{plan.pk}_{ind.pk}", "")) for ind in indicators],
        }
        for plan in plans
    ]
    return render(
        request,
        "tasks/hand_down.html",
        {
            "task": task,
            "plan": task.action.plan,
            "rows": rows,
            "indicators": indicators,
            "title": request.POST.get("title", task.title),
            "source_text": request.POST.get("source_text", task.source_text),
            "task_page": _task_page(task),
            "wait": WAIT,
        },
    )


@login_required
@require_POST
def unlink(request, task_id):
    task = get_task_for_unlink(request.user, task_id)
    upper = task.parent
    try:
        task_unlink(task=task, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已解除“%(title)s”与上级任务的下达关系。") % {"title": task.title})
    return redirect(_task_page(upper))


@login_required
@require_POST
def progress_source(request, task_id):
    task = get_task_for_office(request.user, task_id)
    try:
        task_set_progress_source(task=task, source=request.POST.get("progress_source", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已更新进度来源，统计数据将随即更新。"))
    return redirect(_task_page(task))
