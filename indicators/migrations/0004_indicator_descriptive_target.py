from django.db import migrations, models

# The words of indicators.trajectory.DESCRIPTIVE_WORDS, frozen as of this migration.
WORDS = ("全覆盖", "全面覆盖", "全域覆盖")


def mark_descriptive(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    query = models.Q()
    for word in WORDS:
        query |= models.Q(source_text__contains=word)
    Indicator.objects.filter(query).update(descriptive=True)


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0003_unique_value_message_on_constraint"),
    ]

    operations = [
        migrations.AddField(
            model_name="indicator",
            name="descriptive",
            field=models.BooleanField(default=False, verbose_name="文字目标（按完成/未完成跟踪）"),
        ),
        migrations.RunPython(mark_descriptive, migrations.RunPython.noop),
    ]
