"""The allowed values of the tasks app's fields (re-exported by tasks.models, where
the models that use them live)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgressSource(models.TextChoices):
    """Where a handed-down task's progress comes from: its own lead agency's reports, or
    the lower tasks answering it (上级任务下达)."""

    OWN = "own", _("本任务牵头单位填报")
    CHILDREN_AVERAGE = "children_average", _("下级任务完成进度的平均")
    CHILDREN_ALL_DONE = "children_all_done", _("下级任务全部完成方为完成")


class LinkKind(models.TextChoices):
    LINKED = "linked", _("关联已有任务")
    CREATED = "created", _("下达新建任务")


class AssignmentRole(models.TextChoices):
    LEAD = "lead", _("牵头")
    SUPPORT = "support", _("配合")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("被退回")
    APPROVED = "approved", _("已通过")


class ReportStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    LAGGING = "lagging", _("滞后")


class ProjectStage(models.TextChoices):
    """重点项目 stages, in the order a project goes through them."""

    PREPARING = "preparing", _("前期工作")
    BUILDING = "building", _("开工建设")
    OPERATING = "operating", _("建成投产")
