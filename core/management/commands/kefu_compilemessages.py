"""Compile the translation catalogues (.po → .mo) without GNU gettext, so that a
fresh machine needs nothing beyond Python."""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogue_paths() -> list[Path]:
    """Every .po file Django reads: LOCALE_PATHS and each app's own locale dir."""
    roots = [Path(p) for p in settings.LOCALE_PATHS]
    roots += [Path(config.path) / "locale" for config in apps.get_app_configs()]
    base = Path(settings.BASE_DIR).resolve()
    return sorted(
        path
        for root in roots
        if root.resolve().is_relative_to(base) and ".venv" not in root.parts
        for path in root.glob("*/LC_MESSAGES/*.po")
    )


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po (project and apps) into .mo files."

    def handle(self, *args, **options):
        paths = catalogue_paths()
        for po_path in paths:
            polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        self.stdout.write(f"{len(paths)} catalogue(s) compiled")
