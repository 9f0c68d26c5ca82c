"""What deleting an upper task (or its whole plan) does to the lower tasks answering it:
they stay, answering nothing.

`Task.parent` is SET_NULL, but Django sets each field of a deletion apart, and the task's
constraint (`task_link_kind_with_parent`) wants the link's kind to go in the same
statement as the link. So the lower tasks are unlinked, both fields at once, just before
their upper task is deleted (pre_delete is sent inside the deletion's transaction)."""

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from .models import Task


@receiver(pre_delete, sender=Task, dispatch_uid="tasks.unlink_lower_tasks")
def unlink_lower_tasks(sender, instance, using, **kwargs):
    Task.objects.using(using).filter(parent_id=instance.pk).update(parent=None, link_kind="")
