"""The lower office's page for a task handed down to its plan (上级下达任务待落实): link
one of its own tasks (suggested by similarity, confirmed here) or create one for it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from carbonplan.access_chain import get_hand_down_for_answer

from ..handdown_answer import answer_candidates, handdown_answer
from ..models import Task


@login_required
@require_http_methods(["GET", "POST"])
def hand_down_answer(request, pk):
    hand_down = get_hand_down_for_answer(request.user, pk)
    upper, plan = hand_down.task, hand_down.plan
    answering = Task.objects.filter(parent=upper, action__plan=plan).active().select_related("action").first()
    if request.method == "POST" and answering is None:
        link = request.POST.get("link", "").strip()
        try:
            if link and not link.isdigit():
                raise ValidationError(_("请选择承接任务。"))
            lower = handdown_answer(
                hand_down=hand_down,
                by=request.user,
                link=int(link) if link else None,
                title=request.POST.get("title", ""),
                source_text=request.POST.get("source_text", ""),
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(
                request,
                _("已落实上级下达任务“%(upper)s”：%(how)s“%(title)s”。")
                % {
                    "upper": upper.title,
                    "how": lower.get_link_kind_display(),
                    "title": lower.title,
                },
            )
            return redirect(reverse("reports:dashboard-task", args=[plan.pk, lower.pk]) + "#parent-task")
    candidates = [] if answering else answer_candidates(hand_down)
    first = str(candidates[0][1].pk) if candidates else ""
    return render(
        request,
        "tasks/hand_down_answer.html",
        {
            "hand_down": hand_down,
            "upper": upper,
            "plan": plan,
            "answering": answering,
            "candidates": candidates,
            "indicators": list(upper.indicators.order_by("seq", "pk")),
            # The best suggestion is chosen until the office picks otherwise.
            "link": request.POST.get("link", "") if request.method == "POST" else first,
            "title": request.POST.get("title", upper.title),
            "source_text": request.POST.get("source_text", upper.source_text),
        },
    )
