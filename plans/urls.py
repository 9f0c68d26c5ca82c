from django.urls import path

from . import setup_views, views

app_name = "plans"

urlpatterns = [
    path("<int:pk>/", views.plan_detail, name="detail"),
    path("<int:pk>/tasks/<int:task_pk>/restore/", views.task_restore, name="task_restore"),
    path("<int:pk>/breakdown.xlsx", views.plan_breakdown_xlsx, name="breakdown_xlsx"),
    path("<int:pk>/schedule/", setup_views.plan_schedule, name="schedule"),
    path("<int:pk>/accounts/", setup_views.plan_accounts, name="accounts"),
    path("<int:pk>/accounts/<int:user_id>/reset/", setup_views.plan_account_reset, name="account_reset"),
    path("<int:pk>/accounts/<int:user_id>/active/", setup_views.plan_account_active, name="account_active"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/<int:pk>/duplicate/", setup_views.import_duplicate, name="import_duplicate"),
    path("imports/<int:pk>/", views.import_review, name="import_review"),
    path("imports/<int:pk>/region/", views.import_region, name="import_region"),
    path("imports/<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("imports/<int:pk>/upper-link/", views.import_upper_link, name="import_upper_link"),
    path("imports/<int:pk>/discard/", views.import_discard, name="import_discard"),
]
