"""Lists of people and departments that many pages show, such as the owner filter of
the ticket and customer lists (hundreds of people on every list page), kept in the
shared cache as one entry and dropped whenever a person, a role or a department
changes, in every process at once (the cache is the database's or Redis)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, transaction

CACHE_KEY = "accounts:directory"
# A change made outside the ORM's signals (SQL by hand) shows within this time.
CACHE_SECONDS = 600
# A save of only these fields changes no list (a login, a failed password).
_QUIET_FIELDS = frozenset({"last_login", "password", "password_changed_at"})


def directory_lists(builders: dict[str, Callable[[], list]]) -> dict[str, list]:
    """The lists named by ``builders``, each as its builder makes it, in one read of
    the cache (the lists it lacks are made and added)."""
    lists: dict[str, list] = cache.get(CACHE_KEY) or {}
    missing = {key: build for key, build in builders.items() if key not in lists}
    if missing:
        lists = {
            **lists,
            **{
                key: [tuple(str(part) for part in row) for row in build()]
                for key, build in missing.items()
            },
        }
        cache.set(CACHE_KEY, lists, CACHE_SECONDS)
    return {key: lists[key] for key in builders}


def directory_list(key: str, build: Callable[[], list]) -> list:
    """One list (see directory_lists)."""
    return directory_lists({key: build})[key]


def _drop() -> None:
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction goes on
            cache.delete(CACHE_KEY)
    except DatabaseError:
        # The database's cache table is made after the migrations, whose role set-up
        # already sends these signals; with no table nothing is cached either.
        pass


def directory_forget() -> None:
    """Drop every list now and again when the transaction commits (so that no page
    read between the two keeps the old people)."""
    _drop()
    transaction.on_commit(_drop)


def directory_changed(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """Signal receiver for people, departments and role memberships."""
    if update_fields and set(update_fields) <= _QUIET_FIELDS:
        return
    directory_forget()
