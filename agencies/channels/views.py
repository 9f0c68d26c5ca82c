"""The office's pages for its group robots: a plan's (or a region's) list with the form
to add one, a channel's settings and deliveries, and its buttons (test, pause, resume,
delete, resend)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbonplan.access import get_channel_for_user, get_delivery_for_user, get_office_plan, get_office_region

from . import events, outbox, sending, services
from .forms import ChannelForm
from .models import Channel, Delivery

DELIVERIES_PAGE_SIZE = 30


def _add_errors(form, exc: ValidationError):
    for field, errors in (exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}).items():
        form.add_error(field if field in form.fields else None, errors)


def _warn(request, warnings):
    for warning in warnings:
        messages.warning(request, warning)


def _channel_list(request, *, plan=None, region=None):
    form = ChannelForm(request.POST or None, initial={"events": events.default_kinds()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel, warnings = services.channel_create(
                plan=plan, region=region, kind=data["kind"], webhook=data["webhook"], secret=data["secret"],
                keyword=data["keyword"], name=data["name"], events_=data["events"],
                mention_contacts=data["mention_contacts"], by=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("群机器人已添加。请发送一条测试消息确认群内能收到。"))
            _warn(request, warnings)
            return redirect("agencies:channel", channel_id=channel.pk)
    owner = {"plan": plan} if plan is not None else {"region": region}
    channels = Channel.objects.filter(**owner).order_by("pk")
    inherited = []
    if plan is not None:
        inherited = list(outbox.channels_for_plan(plan).filter(plan__isnull=True).select_related("region"))
    labels = dict(events.choices())
    for channel in [*channels, *inherited]:
        channel.event_labels = [labels.get(k, k) for k in channel.events or []]
    return render(
        request,
        "agencies/channels.html",
        {"form": form, "channels": channels, "inherited": inherited, **owner},
        status=400 if form.errors else 200,
    )


@login_required
def plan_channels(request, plan_id):
    return _channel_list(request, plan=get_office_plan(request.user, plan_id))


@login_required
def region_channels(request, region_id):
    return _channel_list(request, region=get_office_region(request.user, region_id))


@login_required
def channel_detail(request, channel_id):
    """A channel's settings (POST saves them) and its deliveries, newest first."""
    channel = get_channel_for_user(request.user, channel_id)
    initial = {
        "kind": channel.kind, "name": channel.name, "keyword": channel.keyword, "events": channel.events,
        "mention_contacts": channel.mention_contacts,
    }  # fmt: skip
    form = ChannelForm(request.POST or None, channel=channel, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            channel, warnings = services.channel_update(
                channel=channel, by=request.user, webhook=data["webhook"], secret=data["secret"],
                clear_secret=data.get("clear_secret", False), name=data["name"], keyword=data["keyword"],
                events=data["events"], mention_contacts=data["mention_contacts"],
            )  # fmt: skip
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            _warn(request, warnings)
            return redirect("agencies:channel", channel_id=channel.pk)
    page = Paginator(
        Delivery.objects.filter(channel=channel).select_related("agency").order_by("-created_at", "-id"),
        DELIVERIES_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    labels = dict(events.choices())
    for d in page.object_list:
        d.kind_label = labels.get(d.event_kind) or (_("测试消息") if d.event_kind == "test" else d.event_kind)
    return render(
        request,
        "agencies/channel_detail.html",
        {
            "channel": channel,
            "form": form,
            "page": page,
            "query": "",
            "back": outbox.channel_page_url(channel),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def channel_action(request, channel_id):
    """test | pause | resume | delete, from the channel's page."""
    channel = get_channel_for_user(request.user, channel_id)
    what = request.POST.get("action")
    if what == "test":
        d = sending.channel_test(channel=channel, by=request.user)
        if d.status == Delivery.Status.SENT:
            messages.success(request, _("测试消息已送达，请在群内查看。"))
        else:
            messages.error(request, _("测试消息发送失败：%(error)s") % {"error": d.error})
    elif what == "pause":
        services.channel_pause(channel=channel, by=request.user)
        messages.success(request, _("已暂停发送。"))
    elif what == "resume":
        services.channel_resume(channel=channel, by=request.user)
        messages.success(request, _("已恢复发送。暂停期间未发送的消息可在下方逐条重发。"))
    elif what == "delete":
        back = outbox.channel_page_url(channel)
        services.channel_delete(channel=channel, by=request.user)
        messages.success(request, _("群机器人已删除。"))
        return redirect(back)
    else:
        messages.error(request, _("未知的操作。"))
    return redirect("agencies:channel", channel_id=channel.pk)


@login_required
@require_POST
def delivery_resend(request, delivery_id):
    delivery = get_delivery_for_user(request.user, delivery_id)
    try:
        sending.delivery_resend(delivery=delivery, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已重新排队发送。"))
    return redirect("agencies:channel", channel_id=delivery.channel_id)
