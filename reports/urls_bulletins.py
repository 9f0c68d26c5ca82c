from django.urls import path

from . import bulletin_views as views
from . import chase_views, lower_chase_views

urlpatterns = [
    path("bulletins/", views.bulletin_index, name="bulletins"),
    path("plans/<int:plan_id>/bulletins/", views.plan_bulletins, name="plan-bulletins"),
    path("plans/<int:plan_id>/bulletins/new/", views.bulletin_generate, name="bulletin-generate"),
    path("bulletins/<int:bulletin_id>/edit/", views.bulletin_edit, name="bulletin-edit"),
    path("bulletins/<int:bulletin_id>/status/", views.bulletin_status, name="bulletin-status"),
    path("bulletins/<int:bulletin_id>/<str:fmt>/", views.bulletin_download, name="bulletin-download"),
    path("missing/", views.missing_index, name="missing-index"),
    path("plans/<int:plan_id>/missing/", views.missing_list, name="missing"),
    path("plans/<int:plan_id>/chase/", chase_views.chase, name="chase"),
    path("plans/<int:plan_id>/upper-chases/", lower_chase_views.lower_chases, name="lower-chases"),
    path("plans/<int:plan_id>/agencies/", chase_views.plan_agencies, name="plan-agencies"),
    path("plans/<int:plan_id>/warning-rule/", views.warning_rule_edit, name="warning-rule"),
]
