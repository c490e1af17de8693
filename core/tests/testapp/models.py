from django.db import models

from core.models import SoftDeleteModel, TimeStampedModel, VersionedModel


class Gadget(TimeStampedModel, VersionedModel, SoftDeleteModel):
    name = models.CharField(max_length=50)
    rank = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.name
