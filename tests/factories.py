import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from agencies.models import Agency, Role
from indicators.models import Indicator, IndicatorValue
from plans.models import Action, Plan, Region
from tasks.models import ProgressReport, ReportingPeriod, Task, TaskAssignment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("carbonplan")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    name = factory.Sequence(lambda n: f"地区{n}县")
    level = "county"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    region = factory.SubFactory(RegionFactory)
    name = factory.Sequence(lambda n: f"县单位{n}局")


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    region = factory.SubFactory(RegionFactory)
    title = factory.Sequence(lambda n: f"碳达峰实施方案{n}")
    start_year = 2024
    end_year = 2030


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    plan = factory.SubFactory(PlanFactory)
    seq = factory.Sequence(lambda n: n + 1)
    label = "（一）"
    title = factory.Sequence(lambda n: f"重点行动{n}")


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    action = factory.SubFactory(ActionFactory)
    seq = factory.Sequence(lambda n: n + 1)
    label = factory.LazyAttribute(lambda o: str(o.seq))
    title = factory.Sequence(lambda n: f"任务{n}")


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskAssignment

    task = factory.SubFactory(TaskFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = "lead"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportingPeriod

    plan = factory.SubFactory(PlanFactory)
    year = 2026
    quarter = 1
    label = factory.LazyAttribute(lambda o: f"{o.year}Q{o.quarter}")
    starts_on = factory.LazyAttribute(lambda o: dt.date(o.year, 3 * o.quarter - 2, 1))
    ends_on = factory.LazyAttribute(
        lambda o: dt.date(o.year + (o.quarter == 4), (3 * o.quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    )
    opens_on = factory.LazyAttribute(lambda o: o.ends_on - dt.timedelta(days=15))
    deadline = factory.LazyAttribute(lambda o: o.ends_on + dt.timedelta(days=10))


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    plan = factory.SubFactory(PlanFactory)
    name = factory.Sequence(lambda n: f"指标{n}")
    unit = "个"
    comparator = ">="
    target = Decimal("30")
    target_year = 2026


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    task = factory.SubFactory(TaskFactory)
    agency = factory.SubFactory(AgencyFactory)
    period = factory.SubFactory(PeriodFactory)


class IndicatorValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorValue

    indicator = factory.SubFactory(IndicatorFactory)
    period = factory.SubFactory(PeriodFactory)
    agency = factory.SubFactory(AgencyFactory)
    value = Decimal("10")


def role(user, kind, **scope):
    return Role.objects.create(user=user, kind=kind, **scope)
