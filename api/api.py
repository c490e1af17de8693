"""The REST API under /api/v1/: one NinjaAPI mounting each app's router."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from accounts.api import router as accounts_router
from accounts.auth import ActiveSessionAuth, BearerTokenAuth
from api.errors import install_error_handlers
from audit.api import router as audit_router
from complaints.api import router as complaints_router
from customers.api import router as customers_router
from customers.relations_api import router as relations_router
from notify.api import router as notify_router
from security.api import router as security_router
from sla.api import router as sla_router
from tickets.api import router as tickets_router


class Utf8JSONRenderer(JSONRenderer):
    """Chinese text goes out as UTF-8, not as \\u escapes."""

    media_type = "application/json; charset=utf-8"
    json_dumps_params = {"ensure_ascii": False}


class KefuAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # Operation ids are the endpoint function names (verb_noun), unique project-wide.
        return operation.view_func.__name__


def api_create(*, namespace: str, title: str = "Kefu API") -> KefuAPI:
    """An API with the contract's conventions: auth, renderer and error shapes."""
    created = KefuAPI(
        title=title,
        version="1",
        description="Kefu 客服 REST API v1",
        auth=[BearerTokenAuth(), ActiveSessionAuth()],
        urls_namespace=namespace,
        renderer=Utf8JSONRenderer(),
    )
    install_error_handlers(created)
    return created


api = api_create(namespace="api")
api.add_router("", accounts_router)
api.add_router("", notify_router)
api.add_router("", security_router)
api.add_router("", audit_router)
api.add_router("", sla_router)
api.add_router("", customers_router)
api.add_router("", tickets_router)
api.add_router("", complaints_router)
api.add_router("", relations_router)
