"""The office's edit of a key project's ledger entry: its owner agency, size, planned
investment and dates (the import gives what the document says; the office completes it)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies.models import Agency
from carbonplan.access import get_office_plan
from tasks.models import Project
from tasks.projects import project_update_ledger

LEDGER_FIELDS = [
    "agency",
    "location",
    "capacity",
    "unit",
    "investment_planned",
    "planned_start",
    "planned_finish",
]


class ProjectLedgerForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = LEDGER_FIELDS
        widgets = {
            "planned_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_finish": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(region=region, is_active=True).order_by("name")
        self.fields["agency"].empty_label = gettext_lazy("（任务的牵头单位）")


@login_required
def project_edit(request, pk, project_pk):
    plan = get_office_plan(request.user, pk)
    project = get_object_or_404(
        Project.objects.select_related("task__action"), pk=project_pk, task__action__plan=plan
    )
    form = ProjectLedgerForm(
        request.POST or None, instance=Project.objects.get(pk=project.pk), region=plan.region
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in LEDGER_FIELDS if name in form.changed_data}
        try:
            project_update_ledger(project=project, data=data, by=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存项目“%(name)s”。") % {"name": project.name})
            return redirect(
                f"{redirect('reports:projects', plan.pk).url}?period={request.GET.get('period', '')}"
            )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "reports/project_edit.html", {"plan": plan, "project": project, "form": form}, status=status
    )
