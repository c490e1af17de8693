"""The API contract's conventions, implemented once in core/api and used by every
router: error shape and codes, 422 for validation, cursor lists, version and 409."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.services import api_token_issue
from accounts.tests.factories import UserFactory
from core.tests.testapp.models import Gadget

pytestmark = [pytest.mark.django_db, pytest.mark.urls("core.tests.testapp.urls")]


@pytest.fixture
def auth(db):
    key, _token = api_token_issue(user=UserFactory())
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def _json(response):
    return json.loads(response.content)


def test_without_credentials_the_answer_is_401_in_the_contract_shape(client):
    response = client.get("/api/test/gadgets")
    assert response.status_code == 401
    assert set(_json(response)) == {"detail", "errors"}


def test_a_post_without_credentials_is_401_not_a_csrf_failure(client):
    response = client.post(
        "/api/test/when",
        {"at": "2026-11-23T09:00:00+08:00"},
        content_type="application/json",
    )
    assert response.status_code == 401


def test_validation_errors_are_422_naming_each_field_in_chinese(client, auth):
    gadget = Gadget.objects.create(name="a")
    response = client.patch(
        f"/api/test/gadgets/{gadget.pk}",
        {"name": ""},
        content_type="application/json",
        **auth,
    )
    body = _json(response)
    assert response.status_code == 422
    assert body["errors"] == [
        {
            "field": "name",
            "message": "长度不能少于 1 个字符。",
            "code": "string_too_short",
        }
    ]


def test_messages_follow_accept_language(client, auth):
    gadget = Gadget.objects.create(name="a")
    response = client.patch(
        f"/api/test/gadgets/{gadget.pk}",
        {},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
        **auth,
    )
    assert response.status_code == 422
    assert _json(response)["errors"][0]["message"] == "This field is required."


def test_a_body_that_is_not_json_is_400(client, auth):
    response = client.post(
        "/api/test/when", "{not json", content_type="application/json", **auth
    )
    assert response.status_code == 400
    assert "JSON" in _json(response)["detail"]


def test_a_time_without_offset_is_refused(client, auth):
    response = client.post(
        "/api/test/when",
        {"at": "2026-11-23T09:00:00"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert _json(response)["errors"][0]["field"] == "at"
    assert _json(response)["errors"][0]["code"] == "timezone_aware"


def test_times_go_out_in_shanghai_time_with_offset(client, auth):
    Gadget.objects.create(
        name="a", created_at=dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
    )
    item = _json(client.get("/api/test/gadgets", **auth))["items"][0]
    assert item["created_at"] == "2026-11-23T09:00:00+08:00"


@pytest.mark.parametrize("limit", ["0", "101", "-1"])
def test_limit_out_of_range_is_422(client, auth, limit):
    response = client.get(f"/api/test/gadgets?limit={limit}", **auth)
    assert response.status_code == 422
    assert _json(response)["errors"][0]["field"] == "limit"


def test_a_bad_cursor_is_422(client, auth):
    response = client.get("/api/test/gadgets?cursor=abc", **auth)
    assert response.status_code == 422
    assert _json(response)["errors"][0]["field"] == "cursor"


def test_cursor_pages_walk_every_row_once_in_order_without_totals(client, auth):
    for i in range(7):
        Gadget.objects.create(name=f"g{i}", rank=i % 3)
    expected = list(
        Gadget.objects.order_by("-rank", "id").values_list("name", flat=True)
    )
    seen, cursor = [], None
    while True:
        url = "/api/test/gadgets?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = _json(client.get(url, **auth))
        assert set(body) == {"items", "next_cursor"}
        seen += [item["name"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected


def test_default_limit_is_25(client, auth):
    Gadget.objects.bulk_create([Gadget(name=f"g{i}") for i in range(30)])
    body = _json(client.get("/api/test/gadgets", **auth))
    assert len(body["items"]) == 25 and body["next_cursor"]


def test_patch_without_version_is_422(client, auth):
    gadget = Gadget.objects.create(name="a")
    response = client.patch(
        f"/api/test/gadgets/{gadget.pk}",
        {"name": "b"},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert _json(response)["errors"][0]["field"] == "version"


def test_patch_with_current_version_adds_one(client, auth):
    gadget = Gadget.objects.create(name="a")
    response = client.patch(
        f"/api/test/gadgets/{gadget.pk}",
        {"name": "b", "version": 1},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200
    assert _json(response)["version"] == 2


def test_stale_version_is_409_with_current_version_and_nothing_changes(client, auth):
    gadget = Gadget.objects.create(name="a")
    Gadget.objects.filter(pk=gadget.pk).update(version=3, name="fresh")
    before = timezone.now()
    response = client.patch(
        f"/api/test/gadgets/{gadget.pk}",
        {"name": "stale", "version": 1},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 409
    assert _json(response)["current_version"] == 3
    gadget.refresh_from_db()
    assert (gadget.name, gadget.version) == ("fresh", 3)
    assert gadget.updated_at < before or gadget.name == "fresh"


def test_missing_object_is_404_in_contract_shape(client, auth):
    response = client.patch(
        "/api/test/gadgets/999",
        {"name": "x", "version": 1},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 404
    assert _json(response)["detail"] == "未找到。"


def test_json_is_utf8_not_escaped(client, auth):
    Gadget.objects.create(name="华东")
    response = client.get("/api/test/gadgets", **auth)
    assert "华东".encode() in response.content
    assert response["Content-Type"].startswith("application/json")
