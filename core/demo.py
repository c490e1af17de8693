"""The demo company framework: ``manage.py kefu_demo`` runs one step per app, in
the order of settings.KEFU_DEMO_STEPS, with one seeded random generator."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

DEMO_SEED = 20261123
DEMO_PASSWORD = "kefu-demo"


@dataclass
class DemoContext:
    """Shared by the steps: the generator, "today", and what earlier steps made."""

    rng: random.Random
    now: dt.datetime
    made: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(cls, seed: int = DEMO_SEED) -> DemoContext:
        return cls(rng=random.Random(seed), now=timezone.now())
