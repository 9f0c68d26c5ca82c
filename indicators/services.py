"""Entering indicator values (指标值) with a progress report: parsing, plausibility, saving."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Indicator, IndicatorValue

# A value this many times the larger of target, baseline and last value is almost
# certainly a unit mistake (万千瓦 entered as 千瓦) rather than real progress.
IMPLAUSIBLE_FACTOR = Decimal(10)
MAX_ABS_VALUE = Decimal("1e15")


def indicator_value_parse(text, *, label: str = "") -> Decimal | None:
    """'1,234.5' → Decimal('1234.5'); '' → None; anything else → ValidationError."""
    if text is None:
        return None
    if isinstance(text, (int, float, Decimal)):
        text = str(text)
    text = str(text).strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValidationError(
            _("%(label)s应为数字，“%(text)s”不是有效的数字。") % {"label": label, "text": text}
        )
    if not value.is_finite() or abs(value) >= MAX_ABS_VALUE:
        raise ValidationError(_("%(label)s的数值超出范围。") % {"label": label})
    return value.quantize(Decimal("0.0001"))


# A target in words is entered as done / not done, in these words (the form's select, the
# workbook's list) or as a flag ({"done": true} in the API); it is stored as 1 / 0.
DONE_WORDS = {"已完成": True, "未完成": False, "done": True, "not_done": False}
DONE_FIELD_CHOICES = [("", "—"), ("not_done", gettext_lazy("未完成")), ("done", gettext_lazy("已完成"))]


def indicator_done_parse(entry, *, label: str = "") -> Decimal | None:
    """A done / not done entry → 1 / 0; '' or None → None; a number → ValidationError,
    since a figure for a target in words would be read as done or not done by accident."""
    if isinstance(entry, dict):
        entry = entry.get("done")
    if entry is None or entry == "":
        return None
    if isinstance(entry, bool):
        return Decimal(int(entry))
    text = str(entry).strip()
    if text in DONE_WORDS:
        return Decimal(int(DONE_WORDS[text]))
    raise ValidationError(
        _("%(label)s是文字目标，只能填“已完成”或“未完成”，不能填数值“%(text)s”。")
        % {"label": label, "text": text}
    )


def indicator_entry_parse(indicator: Indicator, entry) -> Decimal | None:
    """The value of one entry for the indicator: done / not done for a target in words,
    a number otherwise (a done flag there is refused)."""
    if indicator.descriptive:
        return indicator_done_parse(entry, label=indicator.name)
    if isinstance(entry, dict) or isinstance(entry, bool):
        raise ValidationError(
            _("%(label)s是数值指标，请填写数值，不能只填是否完成。") % {"label": indicator.name}
        )
    return indicator_value_parse(entry, label=indicator.name)


def indicator_done_word(value) -> str:
    """The stored 1 / 0 of a target in words as the form and the workbook show it."""
    if value is None:
        return ""
    return "已完成" if value else "未完成"


def indicator_previous_values(indicators, period, agency) -> dict[int, IndicatorValue]:
    """The latest value before `period` for each indicator (this agency's first), one query."""
    ids = [i.pk for i in indicators]
    earlier = Q(period__year__lt=period.year) | Q(
        period__year=period.year, period__quarter__lt=period.quarter
    )
    rows = IndicatorValue.objects.filter(
        earlier, indicator_id__in=ids, period__plan_id=period.plan_id
    ).select_related("period")
    best: dict[int, IndicatorValue] = {}
    for value in rows:
        key = (value.agency_id == agency.pk, value.period.year, value.period.quarter)
        held = best.get(value.indicator_id)
        if held is None or key > (held.agency_id == agency.pk, held.period.year, held.period.quarter):
            best[value.indicator_id] = value
    return best


def indicator_value_warnings(indicator: Indicator, value: Decimal, previous: Decimal | None) -> list[str]:
    """Non-blocking notes: a value moving away from the target, or implausibly large."""
    notes = []
    name = indicator.name
    rising = indicator.change == Indicator.Change.INCREASE or (
        indicator.change == Indicator.Change.LEVEL and indicator.comparator == Indicator.Comparator.AT_LEAST
    )
    falling = indicator.change == Indicator.Change.DECREASE or (
        indicator.change == Indicator.Change.LEVEL and indicator.comparator == Indicator.Comparator.AT_MOST
    )
    if previous is not None:
        if rising and value < previous:
            notes.append(
                _("%(name)s：%(value)s 低于上次报送的 %(prev)s，与目标方向相反，请核实。")
                % {"name": name, "value": _plain(value), "prev": _plain(previous)}
            )
        elif falling and value > previous:
            notes.append(
                _("%(name)s：%(value)s 高于上次报送的 %(prev)s，与目标方向相反，请核实。")
                % {"name": name, "value": _plain(value), "prev": _plain(previous)}
            )
    if value < 0:
        notes.append(_("%(name)s：数值为负数，请核实。") % {"name": name})
    if indicator.unit.strip() == "%" and value > 100:
        notes.append(_("%(name)s：百分比超过100，请核实。") % {"name": name})
    scale = max(abs(x) for x in (indicator.target, indicator.baseline_value or 0, previous or 0))
    if scale > 0 and abs(value) > scale * IMPLAUSIBLE_FACTOR:
        notes.append(
            _("%(name)s：%(value)s 超过目标值的10倍，可能单位有误，请核实。")
            % {"name": name, "value": _plain(value)}
        )
    return notes


def _plain(value):
    return format(value.normalize(), "f") if value is not None else ""


def period_collect_refusal(period) -> str:
    """Why the quarter takes no indicator values, or "" when it does: the plan's
    schedule (填报安排) names the quarters that collect them; a plan without one collects
    every quarter."""
    from plans.models import PlanSchedule

    schedule = PlanSchedule.objects.filter(plan_id=period.plan_id).first()
    if schedule is None or schedule.needs_indicator_values(period.quarter):
        return ""
    quarter_names = [_("第一季度"), _("第二季度"), _("第三季度"), _("第四季度")]
    names = [quarter_names[q - 1] for q in schedule.indicator_quarters if 1 <= q <= 4]
    if names:
        return _("按本方案的填报安排，%(period)s不报指标值（需报指标值的季度：%(quarters)s）。") % {
            "period": period.display_name,
            "quarters": "、".join(names),
        }
    return _("按本方案的填报安排，%(period)s不报指标值。") % {"period": period.display_name}


@transaction.atomic
def indicator_values_save(*, report, values: dict, by) -> tuple[dict, list[str]]:
    """Save this report's values for its task's indicators.

    values maps indicator id → text (blank removes the value), or for a target in words
    done / not done (indicator_done_parse). Raises ValidationError keyed `ind_<id>` for an
    entry of the wrong kind; returns ({indicator name: [old, new]}, warnings).
    """
    from agencies.audit import audit_log

    indicators = {i.pk: i for i in Indicator.objects.filter(task_id=report.task_id)}
    errors, parsed = {}, {}
    for key, text in values.items():
        try:
            indicator = indicators[int(key)]
        except (KeyError, TypeError, ValueError):
            errors[f"ind_{key}"] = _("该指标不属于此任务。")
            continue
        try:
            parsed[indicator.pk] = indicator_entry_parse(indicator, text)
        except ValidationError as exc:
            errors[f"ind_{indicator.pk}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    existing = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(
            indicator_id__in=parsed, period_id=report.period_id, agency_id=report.agency_id
        )
    }
    # A quarter the schedule does not collect takes no new or changed value; one kept
    # from before the schedule changed may stay, or be removed.
    changed = [
        i
        for i, value in parsed.items()
        if value is not None and (i not in existing or existing[i].value != value)
    ]
    refusal = period_collect_refusal(report.period) if changed else ""
    if refusal:
        raise ValidationError({f"ind_{i}": refusal for i in changed})
    previous = indicator_previous_values([indicators[i] for i in parsed], report.period, report.agency)
    changes, warnings = {}, []
    for indicator_id, value in parsed.items():
        indicator = indicators[indicator_id]
        held = existing.get(indicator_id)
        if value is None:
            if held is not None:
                changes[indicator.name] = [_plain(held.value), None]
                held.delete()
            continue
        prev = previous.get(indicator_id)
        if not indicator.descriptive:
            warnings += indicator_value_warnings(indicator, value, prev.value if prev else None)
        if held is not None and held.value == value:
            continue
        changes[indicator.name] = [_plain(held.value) if held else None, _plain(value)]
        if held is None:
            held = IndicatorValue(indicator=indicator, period_id=report.period_id, agency_id=report.agency_id)
        held.value = value
        held.report = report
        held.entered_by = by if getattr(by, "is_authenticated", False) else None
        held.full_clean()
        held.save()
    if changes:
        audit_log(
            actor=by, action="indicator_value.save", target=report, changes=changes, plan=report.period.plan
        )
    return changes, warnings
