"""Copy the front-end files Kefu serves from node_modules (npm, pinned in
package-lock.json) into build/vendor, where the static files finder picks them up."""

import re
import shutil
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# (source under node_modules, destination under build/vendor)
ASSETS = [
    ("@tabler/core/dist/css/tabler.min.css", "tabler/tabler.min.css"),
    ("@tabler/core/dist/js/tabler.min.js", "tabler/tabler.min.js"),
    (
        "@tabler/icons-webfont/dist/tabler-icons.min.css",
        "tabler-icons/tabler-icons.min.css",
    ),
    (
        "@tabler/icons-webfont/dist/fonts/tabler-icons.woff2",
        "tabler-icons/fonts/tabler-icons.woff2",
    ),
    (
        "@tabler/icons-webfont/dist/fonts/tabler-icons.woff",
        "tabler-icons/fonts/tabler-icons.woff",
    ),
    (
        "@tabler/icons-webfont/dist/fonts/tabler-icons.ttf",
        "tabler-icons/fonts/tabler-icons.ttf",
    ),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
]
# Source maps are not shipped; their references would point at missing files.
SOURCE_MAP = re.compile(rb"\n?/[/*]# sourceMappingURL=\S+(?: \*/)?\s*$")


class Command(BaseCommand):
    help = "Copy pinned npm assets into build/vendor."

    def handle(self, *args, **options):
        source_root = Path(settings.BASE_DIR) / "node_modules"
        target_root = Path(settings.VENDOR_ASSETS_DIR)
        for source, target in ASSETS:
            src, dst = source_root / source, target_root / target
            if not src.exists():
                raise CommandError(f"{src} is missing: run npm ci first")
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.suffix in {".css", ".js"}:
                dst.write_bytes(SOURCE_MAP.sub(b"\n", src.read_bytes()))
            else:
                shutil.copyfile(src, dst)
        self.stdout.write(f"{len(ASSETS)} vendor files in {target_root}")
