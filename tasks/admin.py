from django.contrib import admin

from .models import (
    Evidence,
    PeriodReopening,
    ProgressReport,
    ProgressReportVersion,
    ReportingPeriod,
    Task,
    TaskAssignment,
)


class AssignmentInline(admin.TabularInline):
    model = TaskAssignment
    fields = ["agency", "role", "seq", "inferred"]
    autocomplete_fields = ["agency"]
    extra = 0


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["__str__", "action", "deadline", "lead_inferred"]
    list_filter = ["action__plan", "lead_inferred"]
    search_fields = ["title", "source_text"]
    list_select_related = ["action", "action__plan"]
    ordering = ["action__plan_id", "action__seq", "seq"]
    inlines = [AssignmentInline]


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "plan", "opens_on", "deadline", "is_closed"]
    list_filter = ["is_closed", "year", "quarter"]
    search_fields = ["label", "plan__title"]
    list_select_related = ["plan"]


@admin.register(PeriodReopening)
class PeriodReopeningAdmin(admin.ModelAdmin):
    list_display = ["period", "agency", "until", "reason"]


class VersionInline(admin.TabularInline):
    model = ProgressReportVersion
    fields = ["number", "event", "state", "changed_fields", "comment", "by", "at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["task", "agency", "period", "state", "status", "percent", "is_late", "submitted_at"]
    list_filter = ["state", "status", "is_late", "period__label"]
    search_fields = ["task__title", "agency__name", "progress_text"]
    list_select_related = ["task", "task__action", "agency", "period"]
    raw_id_fields = ["task", "period"]
    autocomplete_fields = ["agency"]
    inlines = [VersionInline, EvidenceInline]
