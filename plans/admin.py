from django.contrib import admin

from tasks.models import Task

from .models import Action, Plan, PlanImport, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name"]


class ActionInline(admin.TabularInline):
    model = Action
    fields = ["seq", "label", "title"]
    extra = 0
    show_change_link = True


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "doc_number", "issued_on", "is_draft", "plan_year"]
    list_filter = ["is_draft", "region__level", "plan_year"]
    search_fields = ["title", "doc_number", "region__name"]
    list_select_related = ["region"]
    ordering = ["region__name", "-issued_on", "title"]
    raw_id_fields = ["supersedes", "created_by"]
    inlines = [ActionInline]


class TaskInline(admin.StackedInline):
    model = Task
    fields = ["seq", "label", "title", "source_text", "deadline", "deadline_text", "note", "lead_inferred"]
    ordering = ["seq"]
    extra = 0
    show_change_link = True


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "seq"]
    list_filter = ["plan__region"]
    search_fields = ["title", "plan__title"]
    list_select_related = ["plan"]
    inlines = [TaskInline]


@admin.register(PlanImport)
class PlanImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "region", "state", "uploaded_by", "created_at"]
    list_filter = ["state"]
    search_fields = ["original_name"]
    readonly_fields = ["parsed", "warnings"]
