from django.urls import path

from . import first_login, views
from .channels import views as channels

app_name = "agencies"

urlpatterns = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.xlsx", views.audit_export, name="audit-export"),
    path("password/first-login/", first_login.first_login, name="first-login"),
    path("plans/<int:plan_id>/channels/", channels.plan_channels, name="plan-channels"),
    path("regions/<int:region_id>/channels/", channels.region_channels, name="region-channels"),
    path("channels/<int:channel_id>/", channels.channel_detail, name="channel"),
    path("channels/<int:channel_id>/action/", channels.channel_action, name="channel-action"),
    path("deliveries/<int:delivery_id>/resend/", channels.delivery_resend, name="delivery-resend"),
]
