from django.contrib import admin

from .models import Bulletin, Chase, ReminderLog, Rollup, TaskLight, WarningRule


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["plan", "period", "version", "state", "progress", "created_at", "finished_at"]
    list_filter = ["state"]
    list_select_related = ["plan", "period"]


@admin.register(WarningRule)
class WarningRuleAdmin(admin.ModelAdmin):
    list_display = ["plan", "red_behind_pct", "yellow_behind_pct", "yellow_returns"]


@admin.register(TaskLight)
class TaskLightAdmin(admin.ModelAdmin):
    list_display = ["task", "period", "level"]
    list_filter = ["level"]
    raw_id_fields = ["task", "period"]


@admin.register(Rollup)
class RollupAdmin(admin.ModelAdmin):
    list_display = [
        "scope",
        "period_label",
        "plan",
        "expected",
        "approved",
        "missing",
        "red",
        "yellow",
        "green",
    ]
    list_filter = ["scope", "period_label"]
    raw_id_fields = ["plan", "period", "action", "task", "agency", "region"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["period", "agency", "stage", "sent_at"]
    list_filter = ["stage"]
    list_select_related = ["period", "agency"]
    raw_id_fields = ["period", "agency"]


@admin.register(Chase)
class ChaseAdmin(admin.ModelAdmin):
    list_display = ["period", "agency", "by", "sent_at"]
    list_select_related = ["period", "agency", "by"]
    raw_id_fields = ["period", "agency", "by"]
