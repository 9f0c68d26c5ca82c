from django.contrib import admin

from .models import Agency, AuditEntry, Notification, Role


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "short_name", "kind", "is_active"]
    list_filter = ["kind", "is_active", "region"]
    search_fields = ["name", "full_name", "short_name"]
    list_select_related = ["region"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "agency", "plan", "region"]
    list_filter = ["kind"]
    search_fields = ["user__username", "agency__name", "plan__title", "region__name"]
    list_select_related = ["user", "agency", "plan", "region"]
    autocomplete_fields = ["agency"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["title", "user__username"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "actor__username"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
