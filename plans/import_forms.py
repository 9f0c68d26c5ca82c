"""The office's corrections on the import review page, as Django forms.

Every row of the parsed breakdown has a form whose prefix names the row: `plan` for the
plan's facts, `a0` for the first action, `a0-t1` for its second task, `a0-t1-i0` for that
task's first target and `gi0` for the first of the plan's goals. Empty forms with the
prefixes `new-action`, `a0-new`, `a0-t1-i-new` and `gi-new` add an action (with its first
task), a task or a target by hand. A field missing from the submitted data keeps its
value, so a page that shows only some fields changes only those.
"""

from __future__ import annotations

import copy

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.names import clean_name
from indicators.trajectory import is_descriptive_text

from .import_review import COMPARATOR_SIGNS, describe_indicator, number_of
from .parsing.schema import ParsedAction, ParsedIndicator, ParsedPlan, ParsedProject, ParsedTask
from .services import COMPARATORS


def split_names(value: str) -> list[str]:
    """县发改局、县住建局 (or with ，, ; between them) → the names, cleaned."""
    for sep in ("，", ",", "；", ";"):
        value = value.replace(sep, "、")
    return [name for name in (clean_name(part) for part in value.split("、")) if name]


class NumberField(forms.DecimalField):
    """A decimal whose error repeats what the office typed."""

    default_error_messages = {"invalid": _("“%(value)s”不是数字")}

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            )

    def validate(self, value):
        if value is not None and not value.is_finite():
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            )
        super().validate(value)


class YearField(forms.IntegerField):
    default_error_messages = {
        "invalid": _("应为 1990–2100 之间的年份"),
        "min_value": _("应为 1990–2100 之间的年份"),
        "max_value": _("应为 1990–2100 之间的年份"),
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=1990, max_value=2100, required=False, **kwargs)


class NamesField(forms.CharField):
    """Agencies separated by 、 → a list of names."""

    def prepare_value(self, value):
        return "、".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return split_names(super().to_python(value) or "")

    def has_changed(self, initial, data):
        return self.to_python(self.prepare_value(initial) or "") != self.to_python(data)


class RowForm(forms.Form):
    """Messages read “不能为空” whatever the field; each row says where it is."""

    error_css_class = "has-error"

    def __init__(self, *args, where: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.where = where
        for field in self.fields.values():
            field.error_messages["required"] = gettext("不能为空")
            field.widget.attrs.setdefault("aria-label", field.label)

    def messages(self) -> list[str]:
        """“任务1.2 牵头单位：不能为空”: the row, the field and what is wrong."""
        return [
            f"{self.where} {self.fields[name].label}：{message}"
            if name in self.fields
            else f"{self.where}：{message}"
            for name, errors in self.errors.items()
            for message in errors
        ]


def _text_input(css: str = "", **attrs):
    return forms.TextInput(attrs={"class": css, **attrs} if css else attrs)


class PlanFactsForm(RowForm):
    title = forms.CharField(label=_("方案标题"), max_length=200)
    plan_year = YearField(label=_("年度"))


class ActionForm(RowForm):
    title = forms.CharField(label=_("标题"), max_length=255, widget=_text_input("action-title"))


class TaskForm(RowForm):
    title = forms.CharField(label=_("重点任务"), max_length=255, widget=_text_input("task-title"))
    lead = NamesField(label=_("牵头单位"), required=False, widget=_text_input("task-lead"))
    support = NamesField(label=_("配合单位"), required=False, widget=_text_input("task-support"))
    delete = forms.BooleanField(label=_("删除此任务"), required=False)

    def clean(self):
        data = super().clean()
        lead = data.get("lead") or []
        # A task the document gives no agency (flagged for the office) may stay so while
        # other rows are corrected; a lead once there, or on a new task, is required.
        if "lead" in data and not lead and (self.initial.get("lead") or not self.initial):
            self.add_error("lead", gettext("不能为空"))
        data["support"] = [name for name in data.get("support") or [] if name not in lead]
        return data


class NewTaskForm(TaskForm):
    label = forms.CharField(label=_("编号"), max_length=16, required=False, widget=_text_input("task-label"))
    delete = None

    field_order = ["label", "title", "lead", "support"]


class NewActionForm(NewTaskForm):
    """A 重点行动 the parser missed, with its first task (by default the action itself,
    as for an action written as one paragraph)."""

    action_label = forms.CharField(label=_("行动编号"), max_length=16, required=False)
    action_title = forms.CharField(label=_("重点行动"), max_length=255)
    title = forms.CharField(label=_("重点任务"), max_length=255, required=False)

    field_order = ["action_label", "action_title", "label", "title", "lead", "support"]


class IndicatorForm(RowForm):
    name = forms.CharField(label=_("指标名称"), max_length=200, widget=_text_input("ind-name"))
    comparator = forms.ChoiceField(
        label=_("比较"),
        choices=list(COMPARATOR_SIGNS.items()),
        initial=">=",
        required=False,
        error_messages={"invalid_choice": _("只能是 ≥、≤、≈ 或 =")},
    )
    target = NumberField(label=_("目标值"), max_digits=20, decimal_places=4, widget=_text_input("ind-num"))
    target_max = NumberField(
        label=_("上限"),
        max_digits=20,
        decimal_places=4,
        required=False,
        widget=_text_input("ind-num", placeholder=_("上限")),
    )
    unit = forms.CharField(label=_("单位"), max_length=32, required=False, widget=_text_input("ind-unit"))
    year = YearField(label=_("目标年份"), widget=_text_input("ind-year", placeholder=_("年份")))
    change = forms.ChoiceField(
        label=_("目标类型"),
        required=False,
        choices=[("", _("水平值")), ("decrease", _("下降")), ("increase", _("提高"))],
    )
    baseline_year = YearField(label=_("基期年份"), widget=_text_input("ind-year", placeholder=_("基期")))
    # A target in words (“500米全覆盖”) is tracked as done / not done; the import guesses,
    # the office decides.
    descriptive = forms.BooleanField(label=_("文字目标（按完成/未完成跟踪）"), required=False)
    checked = forms.BooleanField(label=_("已核对"), required=False)
    delete = forms.BooleanField(label=_("删除"), required=False)

    EDITED = ("name", "unit", "target", "target_max", "comparator", "year", "change", "baseline_year")

    def __init__(self, *args, initial=None, **kwargs):
        if initial is not None and "descriptive" not in initial:
            initial = {**initial, "descriptive": is_descriptive_text(initial.get("text") or "")}
        super().__init__(*args, initial=initial, **kwargs)

    def clean(self):
        data = super().clean()
        target, top = data.get("target"), data.get("target_max")
        if target is not None and top is not None and top < target:
            self.add_error("target_max", gettext("不能小于目标值"))
        if data.get("comparator") not in COMPARATORS:
            data["comparator"] = ">="
        if data.get("change") and data.get("baseline_year") and data.get("year"):
            if data["baseline_year"] >= data["year"]:
                self.add_error("baseline_year", gettext("应早于目标年份"))
        return data

    def apply(self, item: ParsedIndicator | dict) -> ParsedIndicator | dict:
        """A copy of `item` with the office's values (its SCHEMA.md JSON gives JSON back);
        a target corrected or confirmed by the office is no longer in doubt."""
        if isinstance(item, dict):
            return self.apply(ParsedIndicator.from_dict(item)).to_dict()
        data = self.cleaned_data
        item = copy.deepcopy(item)
        before = self._edited_values(item)
        for key in self.EDITED:
            value = number_of(data.get(key)) if key in ("target", "target_max") else data.get(key)
            setattr(item, key, None if value in ("", None) else value)
        item.unit = item.unit or ""
        descriptive = bool(data.get("descriptive"))
        switched = descriptive != bool(self.initial.get("descriptive"))
        item.descriptive = descriptive
        if data.get("checked") or switched or self._edited_values(item) != before:
            item.review = False
            item.borderline = False
        return item

    @classmethod
    def _edited_values(cls, item: ParsedIndicator) -> dict:
        values = {key: getattr(item, key) for key in cls.EDITED}
        return {key: None if value in ("", None) else value for key, value in values.items()}


class NewIndicatorForm(IndicatorForm):
    checked = None
    delete = None


class ProjectForm(RowForm):
    """A key project of a task's 专栏, as read from the document or added by the office."""

    name = forms.CharField(label=_("项目名称"), max_length=200, widget=_text_input("project-name"))
    location = forms.CharField(
        label=_("建设地点"), max_length=100, required=False, widget=_text_input("project-place")
    )
    capacity = NumberField(
        label=_("建设规模"), max_digits=20, decimal_places=4, required=False, widget=_text_input("ind-num")
    )
    unit = forms.CharField(label=_("规模单位"), max_length=32, required=False, widget=_text_input("ind-unit"))
    start_year = YearField(label=_("计划开工年份"), widget=_text_input("ind-year", placeholder=_("开工")))
    year = YearField(label=_("计划建成年份"), widget=_text_input("ind-year", placeholder=_("建成")))
    investment = NumberField(
        label=_("计划投资（万元）"),
        max_digits=20,
        decimal_places=2,
        required=False,
        min_value=0,
        widget=_text_input("ind-num"),
    )
    agency = forms.CharField(
        label=_("责任单位"), max_length=100, required=False, widget=_text_input("project-agency")
    )
    delete = forms.BooleanField(label=_("删除"), required=False)

    # Every field the office may correct is a field of ParsedProject: a value set on a name
    # the record does not declare would not be written back.
    EDITED = ("name", "location", "capacity", "unit", "start_year", "year", "investment", "agency")

    def clean(self):
        data = super().clean()
        if data.get("capacity") is not None and not data.get("unit"):
            self.add_error("unit", gettext("填写了规模时须写明单位"))
        if data.get("start_year") and data.get("year") and data["start_year"] > data["year"]:
            self.add_error("year", gettext("不能早于开工年份"))
        return data

    def apply(self, item: ParsedProject) -> ParsedProject:
        item = copy.deepcopy(item)
        for key in self.EDITED:
            value = self.cleaned_data.get(key)
            if key in ("capacity", "investment"):
                value = number_of(value)
            setattr(item, key, None if value in ("", None) else value)
        return item


class NewProjectForm(ProjectForm):
    delete = None


def _as_data(prefix: str, form_class, initial: dict, submitted) -> dict:
    """The submitted values of a row's fields; a field the page did not send keeps the
    row's value (a box not ticked is a box not sent)."""
    data = {}
    for name, field in form_class.base_fields.items():
        key = f"{prefix}-{name}"
        if key in submitted:
            data[key] = submitted.get(key)
        elif not isinstance(field, forms.BooleanField):
            value = initial.get(name)
            data[key] = field.prepare_value(value) if isinstance(field, NamesField) else value
    return data


class ReviewEdits:
    """All the forms of one review page, bound to the submitted data or not. Each form's
    initial values are its row's JSON, as Django forms take them."""

    def __init__(self, parsed: ParsedPlan | dict, data=None):
        self.parsed = ParsedPlan.of(parsed)
        self.data = data
        self.is_bound = data is not None
        self.all_forms = []
        self.plan_form = self._form(PlanFactsForm, "plan", self.parsed.plan, gettext("方案"))
        self.goal_forms = [
            self._form(IndicatorForm, f"gi{k}", ind, gettext("主要目标 指标%(n)d") % {"n": k + 1})
            for k, ind in enumerate(self.parsed.goals)
        ]
        self.new_goal_form = self._new(NewIndicatorForm, "gi-new", gettext("主要目标 新增指标"))
        self.actions = []
        for a, action in enumerate(self.parsed.actions):
            tasks = []
            for t, task in enumerate(action.tasks):
                where = gettext("任务%(a)d.%(t)d") % {"a": a + 1, "t": t + 1}
                tasks.append(
                    {
                        "form": self._form(TaskForm, f"a{a}-t{t}", task, where),
                        "indicator_forms": [
                            self._form(
                                IndicatorForm,
                                f"a{a}-t{t}-i{k}",
                                ind,
                                f"{where} " + gettext("指标%(n)d") % {"n": k + 1},
                            )
                            for k, ind in enumerate(task.indicators)
                        ],
                        "new_indicator_form": self._new(
                            NewIndicatorForm, f"a{a}-t{t}-i-new", f"{where} " + gettext("新增指标")
                        ),
                        # Projects kept as plain 专栏 text (an older import) have no form.
                        "project_forms": [
                            self._form(
                                ProjectForm,
                                f"a{a}-t{t}-p{k}",
                                project,
                                f"{where} " + gettext("项目%(n)d") % {"n": k + 1},
                            )
                            for k, project in enumerate(task.projects)
                            if isinstance(project, ParsedProject)
                        ],
                        "new_project_form": self._new(
                            NewProjectForm, f"a{a}-t{t}-p-new", f"{where} " + gettext("新增项目")
                        ),
                    }
                )
            self.actions.append(
                {
                    "form": self._form(
                        ActionForm, f"a{a}", action, gettext("第%(n)d个重点行动") % {"n": a + 1}
                    ),
                    "tasks": tasks,
                    "new_task_form": self._new(
                        NewTaskForm, f"a{a}-new", gettext("第%(n)d个重点行动 新增任务") % {"n": a + 1}
                    ),
                }
            )
        self.new_action_form = self._new(NewActionForm, "new-action", gettext("新增重点行动"))

    def _form(self, form_class, prefix: str, row, where: str):
        initial = row.to_dict()
        kwargs = {"prefix": prefix, "initial": initial, "where": where, "use_required_attribute": False}
        if self.is_bound:
            kwargs["data"] = _as_data(prefix, form_class, initial, self.data)
        form = form_class(**kwargs)
        self.all_forms.append(form)
        return form

    def _new(self, form_class, prefix: str, where: str):
        kwargs = {"prefix": prefix, "where": where, "empty_permitted": True, "use_required_attribute": False}
        if self.is_bound and any(key.startswith(f"{prefix}-") for key in self.data):
            kwargs["data"] = self.data
        form = form_class(**kwargs)
        self.all_forms.append(form)
        return form

    def is_valid(self) -> bool:
        return self.is_bound and not self.errors()

    def errors(self) -> list[str]:
        """Every message, each naming its row and field: the page lists them on top."""
        messages = [message for form in self.all_forms if form.is_bound for message in form.messages()]
        if not messages and not self.edited().actions:
            messages.append(gettext("方案没有任何任务，无法导入。"))
        return messages

    @staticmethod
    def _added(form) -> bool:
        return form.is_bound and form.has_changed() and form.is_valid()

    def _indicators(self, items, forms_, new_form) -> list[ParsedIndicator]:
        kept = [
            form.apply(item)
            for item, form in zip(items, forms_, strict=True)
            if not form.cleaned_data["delete"]
        ]
        if self._added(new_form):
            added = new_form.apply(ParsedIndicator())
            added.text, added.added_by_hand, added.review = "", True, False
            kept.append(added)
        return kept

    def _projects(self, items, forms_, new_form) -> list:
        records = [item for item in items if isinstance(item, ParsedProject)]
        kept = [item for item in items if not isinstance(item, ParsedProject)]
        kept += [
            form.apply(item)
            for item, form in zip(records, forms_, strict=True)
            if not form.cleaned_data["delete"]
        ]
        if self._added(new_form):
            added = new_form.apply(ParsedProject())
            added.extra["added_by_hand"] = True
            kept.append(added)
        return kept

    def edited(self) -> ParsedPlan:
        """The parsed breakdown with every valid form applied (call after is_valid)."""
        edited = copy.deepcopy(self.parsed)
        for name, value in self.plan_form.cleaned_data.items():
            setattr(edited.plan, name, value)
        edited.goals = self._indicators(edited.goals, self.goal_forms, self.new_goal_form)
        actions = []
        for action, row in zip(edited.actions, self.actions, strict=True):
            action.title = row["form"].cleaned_data["title"]
            tasks = []
            for task, task_row in zip(action.tasks, row["tasks"], strict=True):
                data = task_row["form"].cleaned_data
                if data["delete"]:
                    continue
                if data["lead"] != task.lead:
                    task.lead_inferred = False
                task.title, task.lead, task.support = data["title"], data["lead"], data["support"]
                task.indicators = self._indicators(
                    task.indicators, task_row["indicator_forms"], task_row["new_indicator_form"]
                )
                task.projects = self._projects(
                    task.projects, task_row["project_forms"], task_row["new_project_form"]
                )
                tasks.append(task)
            if self._added(row["new_task_form"]):
                tasks.append(_task_by_hand(row["new_task_form"].cleaned_data))
            action.tasks = tasks
            actions.append(action)
        if self._added(self.new_action_form):
            data = self.new_action_form.cleaned_data
            task = _task_by_hand({**data, "title": data["title"] or data["action_title"]})
            actions.append(
                ParsedAction(
                    label=data["action_label"] or None,
                    title=data["action_title"],
                    tasks=[task],
                    added_by_hand=True,
                )
            )
        edited.actions = [action for action in actions if action.tasks]
        for a_seq, action in enumerate(edited.actions, start=1):
            action.seq = a_seq
            for t_seq, task in enumerate(action.tasks, start=1):
                task.seq = t_seq
        return edited


def _task_by_hand(data: dict) -> ParsedTask:
    """A task the office added, from its form's cleaned data."""
    return ParsedTask(
        label=data.get("label") or None,
        title=data["title"],
        lead=data["lead"],
        support=data["support"],
        added_by_hand=True,
    )


def project_rows(forms_, items) -> list[dict]:
    """What the template shows of each project: its form and its record."""
    records = [item for item in items if isinstance(item, ParsedProject)]
    return [{"form": form, "project": item} for form, item in zip(forms_, records, strict=True)]


def indicator_rows(forms_, items) -> list[dict]:
    """What the template shows of each target: its form, its data and its reading."""
    return [
        {"form": form, "ind": item, "described": describe_indicator(item)}
        for form, item in zip(forms_, items, strict=True)
    ]
