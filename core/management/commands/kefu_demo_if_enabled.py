"""Build the demo company on first start when KEFU_DEMO=1; otherwise do nothing."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run kefu_demo when KEFU_DEMO=1 (used by make run)."

    def handle(self, *args, **options):
        if settings.KEFU_DEMO:
            call_command("kefu_demo")
        else:
            self.stdout.write("KEFU_DEMO is off: no demo data.")
