"""Build the demo company (only with KEFU_DEMO=1): one step per app, fixed seed."""

import importlib
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.demo import DEMO_SEED, DemoContext
from core.models import DemoRun


class Command(BaseCommand):
    help = "Build the demo company 华东捷运物流有限公司 (needs KEFU_DEMO=1)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=DEMO_SEED)

    def handle(self, *args, seed: int, **options):
        if not settings.KEFU_DEMO:
            raise CommandError("Demo data exists only with KEFU_DEMO=1.")
        if DemoRun.objects.exists():
            self.stdout.write("Demo company already built; keeping the data.")
            return
        ctx = DemoContext.create(seed)
        started = time.monotonic()
        done = []
        with transaction.atomic():
            for path in settings.KEFU_DEMO_STEPS:
                module_name, _, func_name = path.rpartition(".")
                step = getattr(importlib.import_module(module_name), func_name)
                step_started = time.monotonic()
                step(ctx)
                done.append(path)
                self.stdout.write(f"  {path} ({time.monotonic() - step_started:.1f} s)")
            DemoRun.objects.create(seed=seed, steps=done)
        self.stdout.write(f"Demo company built in {time.monotonic() - started:.1f} s.")
