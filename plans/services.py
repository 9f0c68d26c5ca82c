"""Writes for plans: regions, plans and their structure from a parsed document."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.audit import audit_log
from agencies.services import agency_resolve

from .models import Action, Plan, Region

COMPARATORS = {">=", "<=", "~", "="}


@transaction.atomic
def region_get_or_create(*, name: str, level: str, parent: Region | None = None) -> Region:
    region = Region.objects.filter(name=name, parent=parent).first()
    if region is None:
        region = Region(name=name, level=level, parent=parent)
        region.full_clean()
        region.save()
    return region


def _decimal(value, field):
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"不是有效的数字：{value!r}"})


def _date(value):
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError({"issued": f"日期格式应为 YYYY-MM-DD：{value!r}"})


def _span(item):
    span = item.get("span") or [None, None]
    return span[0], span[1]


def indicator_fields(data: dict) -> dict:
    """Model fields of an Indicator from a SCHEMA.md indicator dict."""
    from indicators.models import Indicator

    comparator = data.get("comparator") or ">="
    if comparator not in COMPARATORS:
        raise ValidationError({"comparator": f"无效的比较方式：{comparator}"})
    change = data.get("change") or Indicator.Change.LEVEL
    start, end = _span(data)
    return {
        "name": (data.get("name") or "")[:200] or "未命名指标",
        "unit": (data.get("unit") or "")[:32],
        "comparator": comparator,
        "target": _decimal(data.get("target"), "target"),
        "target_max": _decimal(data.get("target_max"), "target_max"),
        "target_year": data.get("year"),
        "baseline_year": data.get("baseline_year"),
        "baseline_value": _decimal(data.get("baseline_value"), "baseline_value"),
        "change": change,
        "source_text": data.get("text") or "",
        "span_start": start,
        "span_end": end,
        "needs_review": bool(data.get("review") or data.get("borderline")),
    }


def _plan_years(parsed_plan: dict, indicator_years: list[int]) -> tuple[int | None, int | None]:
    if parsed_plan.get("plan_year"):
        return parsed_plan["plan_year"], parsed_plan["plan_year"]
    issued = _date(parsed_plan.get("issued"))
    start = issued.year if issued else None
    end = max(indicator_years) if indicator_years else None
    if end is None or (start and end < start):
        # A carbon-peaking plan runs to the peak year unless its targets say otherwise.
        end = 2030
    return start, end


@transaction.atomic
def plan_create_from_parsed(
    *, parsed: dict, region: Region, by=None, source_text: str = "", source_name: str = "", supersedes=None
) -> Plan:
    """Create a plan with its actions, tasks, agencies and indicators from a parsed
    document (the plan-gold/SCHEMA.md shape). Agencies unknown in the region are created
    and names that match an existing agency canonically become its aliases."""
    from indicators.models import Indicator
    from tasks.models import Task, TaskAssignment

    info = parsed.get("plan") or {}
    actions = parsed.get("actions") or []
    if not actions:
        raise ValidationError("方案没有任何重点行动，无法导入。")
    years = [
        ind.get("year")
        for ind in parsed.get("goals", []) + [i for a in actions for t in a["tasks"] for i in t.get("indicators", [])]
        if ind.get("year")
    ]
    start_year, end_year = _plan_years(info, years)
    plan = Plan(
        region=region,
        title=(info.get("title") or source_name or "未命名方案")[:200],
        doc_number=info.get("doc_number") or "",
        issued_on=_date(info.get("issued")),
        is_draft=bool(info.get("draft")),
        plan_year=info.get("plan_year"),
        start_year=start_year,
        end_year=end_year,
        source_name=source_name or parsed.get("source") or "",
        source_text=source_text,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        supersedes=supersedes,
    )
    plan.full_clean()
    plan.save()

    known_agencies = list(region.agencies.all())
    indicators = []
    for seq, data in enumerate(parsed.get("goals") or [], start=1):
        fields = indicator_fields(data)
        fields["category"] = data.get("category") or Indicator.Category.CONTROL
        indicators.append(Indicator(plan=plan, task=None, seq=seq, **fields))

    assignments = []
    for a_index, a_data in enumerate(actions, start=1):
        start, end = _span(a_data)
        action = Action.objects.create(
            plan=plan,
            seq=a_data.get("seq") or a_index,
            label=(a_data.get("label") or "")[:16],
            title=(a_data.get("title") or "")[:255],
            source_text=a_data.get("text") or "",
            span_start=start,
            span_end=end,
        )
        for t_index, t_data in enumerate(a_data.get("tasks") or [], start=1):
            start, end = _span(t_data)
            task = Task.objects.create(
                action=action,
                seq=t_data.get("seq") or t_index,
                label=(t_data.get("label") or "")[:16],
                title=(t_data.get("title") or action.title)[:255],
                source_text=t_data.get("text") or "",
                span_start=start,
                span_end=end,
                projects=t_data.get("projects") or [],
                lead_inferred=bool(t_data.get("lead_inferred")),
                deadline_text=(t_data.get("deadline_text") or "")[:64],
                note=(t_data.get("note") or "")[:255],
            )
            seen = set()
            for role, names in (("lead", t_data.get("lead") or []), ("support", t_data.get("support") or [])):
                for order, name in enumerate(names):
                    agency, _ = agency_resolve(region=region, name=name, by=by, agencies=known_agencies)
                    if agency.pk in seen:
                        continue
                    seen.add(agency.pk)
                    assignments.append(
                        TaskAssignment(
                            task=task,
                            agency=agency,
                            role=role,
                            seq=order,
                            inferred=role == "lead" and bool(t_data.get("lead_inferred")),
                        )
                    )
            for i_seq, data in enumerate(t_data.get("indicators") or [], start=1):
                indicators.append(Indicator(plan=plan, task=task, seq=i_seq, **indicator_fields(data)))

    TaskAssignment.objects.bulk_create(assignments)
    for indicator in indicators:
        indicator.full_clean(exclude=["plan", "task"])
    Indicator.objects.bulk_create(indicators)
    audit_log(
        actor=by,
        action="plan.create",
        target=plan,
        plan=plan,
        changes={"actions": [None, len(actions)], "indicators": [None, len(indicators)]},
    )
    return plan
