"""Optimistic locking: an edit names the version it read; a stale one is a Conflict."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError


def version_require(version: int | None) -> int:
    """An edit must say which version it read (the API answers 422 otherwise)."""
    if version is None:
        raise DomainError(_("缺少版本号。"), field="version", code="required")
    return version


def version_check(instance: models.Model, version: int | None) -> None:
    """Raise Conflict when the caller read an older version; None skips the check."""
    if version is not None and version != instance.version:
        raise Conflict(current_version=instance.version)


def versioned_update(
    instance: models.Model, *, version: int | None, fields: Iterable[str]
) -> None:
    """Write ``fields`` of ``instance`` only if its row still has ``version``.

    One conditional UPDATE, so two writers racing cannot both win; the loser gets a
    Conflict carrying the current version and nothing is written."""
    version_require(version)
    model = type(instance)
    values = {name: getattr(instance, name) for name in fields}
    if any(f.name == "updated_at" for f in model._meta.get_fields()):
        values["updated_at"] = timezone.now()
    changed = model._base_manager.filter(pk=instance.pk, version=version).update(
        version=F("version") + 1, **values
    )
    if not changed:
        current = (
            model._base_manager.filter(pk=instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        raise Conflict(current_version=current)
    instance.version = version + 1
    if "updated_at" in values:
        instance.updated_at = values["updated_at"]


def version_bump(instance: models.Model, *, version: int | None = None) -> None:
    """An action changes the object: check the optional version and add 1."""
    version_check(instance, version)
    versioned_update(instance, version=instance.version, fields=())
