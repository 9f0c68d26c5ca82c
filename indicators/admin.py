from django.contrib import admin

from .models import Indicator, IndicatorValue


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = [
        "name", "plan", "comparator", "target", "unit", "target_year", "change", "descriptive", "needs_review"
    ]  # fmt: skip
    # The office switches a target between words (done / not done) and a number here too.
    list_editable = ["descriptive"]
    list_filter = ["category", "change", "descriptive", "needs_review", "plan__region"]
    search_fields = ["name", "source_text"]
    list_select_related = ["plan"]
    raw_id_fields = ["task"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "period", "agency", "value"]
    list_filter = ["period__label"]
    search_fields = ["indicator__name", "agency__name"]
    list_select_related = ["indicator", "period", "agency"]
    raw_id_fields = ["indicator", "period", "report"]
