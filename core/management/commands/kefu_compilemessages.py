"""Compile the translation catalogues (.po → .mo) without GNU gettext, so that a
fresh machine needs nothing beyond Python."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files."

    def handle(self, *args, **options):
        count = 0
        for root in settings.LOCALE_PATHS:
            for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
                polib.pofile(str(po_path)).save_as_mofile(
                    str(po_path.with_suffix(".mo"))
                )
                count += 1
        self.stdout.write(f"{count} catalogue(s) compiled")
