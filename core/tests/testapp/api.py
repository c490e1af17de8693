"""A tiny API in the contract's style, mounted on a test-only NinjaAPI."""

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from core.pagination import keyset_paginate
from core.schema import AwareDateTime, CursorPage, LocalDateTime
from core.tests.testapp.models import Gadget
from core.versioning import versioned_update

router = Router()


class GadgetOut(Schema):
    id: int
    name: str
    rank: int
    version: int
    created_at: LocalDateTime


class GadgetPatch(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    version: int | None = None


class WhenIn(Schema):
    at: AwareDateTime


@router.get("/gadgets", response=CursorPage[GadgetOut])
def list_gadgets(request, limit: int | None = None, cursor: str | None = None):
    page = keyset_paginate(
        Gadget.objects.all(), ordering=["-rank", "id"], cursor=cursor, limit=limit
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.patch("/gadgets/{gadget_id}", response=GadgetOut)
def update_gadget(request, gadget_id: int, payload: GadgetPatch):
    gadget = get_object_or_404(Gadget, pk=gadget_id)
    gadget.name = payload.name
    versioned_update(gadget, version=payload.version, fields=["name"])
    return gadget


@router.post("/when")
def echo_when(request, payload: WhenIn):
    return {"at": payload.at.isoformat()}
