"""Which notices reach group robots: one registration per kind.

`agencies.notifications.notify` hands every notice to the channels; a kind registered
here becomes a Delivery for each channel of the notice's plan (and of the regions
above it) that lists the kind. A new kind of notice reaches channels by one more
`register(...)` line, without touching its callers. Kinds not registered (a
supporter's input to its lead, a channel's own pause notice) stay in-app and e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventKind:
    kind: str
    label: str
    default: bool  # ticked on a new channel


EVENT_KINDS: dict[str, EventKind] = {}


def register(kind: str, label, *, default: bool = True) -> EventKind:
    EVENT_KINDS[kind] = EventKind(kind=kind, label=label, default=default)
    return EVENT_KINDS[kind]


register("reminder", _("自动提醒、催办与逾期通报"))
register("chase", _("专班办公室催办"))
register("report_returned", _("进展被退回"))
register("report_approved", _("进展审核通过"))
register("bulletin_published", _("督查通报印发"))
register("assessment", _("年度考核：结果发布、申诉答复"))
register("report_submitted", _("进展提交（每次提交一条）"), default=False)
# A report the office was to review leaves its queue (撤回); an input withdrawn from its
# lead (input.withdrawn) stays in-app, like the input's submission.
register("report.withdrawn", _("单位撤回已提交的进展"))


def default_kinds() -> list[str]:
    return [k for k, e in EVENT_KINDS.items() if e.default]


def choices() -> list[tuple[str, str]]:
    return [(k, e.label) for k, e in EVENT_KINDS.items()]
