from django.db import migrations


def create_policy(apps, schema_editor):
    """The rules exist from the start, with their defaults (one row)."""
    CustomerPolicy = apps.get_model("customers", "CustomerPolicy")
    CustomerPolicy.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_relations")]

    operations = [migrations.RunPython(create_policy, migrations.RunPython.noop)]
