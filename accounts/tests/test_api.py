import json

import pytest

from accounts.services import user_set_password, user_update

pytestmark = pytest.mark.django_db


def _token(client, username="agent", password="kefu-demo"):
    response = client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
    )
    return response


def test_token_exchange_and_me(client, demo_accounts):
    response = _token(client)
    assert response.status_code == 201
    body = json.loads(response.content)
    assert body["expires_at"].endswith("+08:00")
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    data = json.loads(me.content)
    assert data["username"] == "agent" and data["roles"] == ["agent"]
    assert data["department"] == {"code": "cs", "name": "客户服务部"}


def test_wrong_password_is_422_on_the_password_field(client, demo_accounts):
    response = _token(client, password="wrong")
    assert response.status_code == 422
    assert json.loads(response.content)["errors"][0]["field"] == "password"


def test_missing_field_is_422_with_the_contract_shape(client, demo_accounts):
    response = client.post(
        "/api/v1/auth/token", {"username": "agent"}, content_type="application/json"
    )
    assert json.loads(response.content) == {
        "detail": "输入有误。",
        "errors": [
            {"field": "password", "message": "此项为必填项。", "code": "missing"}
        ],
    }


def test_revoking_the_token_in_use(client, demo_accounts):
    key = json.loads(_token(client).content)["token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert client.delete("/api/v1/auth/token", **auth).status_code == 204
    assert client.get("/api/v1/me", **auth).status_code == 401


def test_an_old_token_after_a_password_change_gets_401(client, demo_accounts):
    key = json.loads(_token(client).content)["token"]
    user_set_password(
        actor=demo_accounts["admin"],
        user=demo_accounts["agent"],
        password="Brand-new-2026",
    )
    assert (
        client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    )


def test_a_deactivated_users_token_gets_401(client, demo_accounts):
    key = json.loads(_token(client).content)["token"]
    agent = demo_accounts["agent"]
    user_update(
        actor=demo_accounts["admin"],
        user=agent,
        display_name=agent.display_name,
        email="",
        phone="",
        department=agent.department,
        roles=["agent"],
        is_active=False,
    )
    assert (
        client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 401
    )


def test_a_garbage_token_gets_401(client, demo_accounts):
    assert (
        client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer kf_nope").status_code == 401
    )


def test_the_browser_session_works_for_reads(client, demo_accounts):
    client.force_login(demo_accounts["manager"])
    assert json.loads(client.get("/api/v1/me").content)["username"] == "manager"


def test_session_writes_need_csrf(demo_accounts):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(demo_accounts["agent"])
    response = browser.delete("/api/v1/auth/token")
    assert response.status_code == 403


def test_openapi_and_docs_are_served_locally(client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert "/api/v1/auth/token" in schema["paths"]
    operation_ids = {
        op["operationId"] for path in schema["paths"].values() for op in path.values()
    }
    assert {
        "create_token",
        "revoke_token",
        "get_me",
        "list_notifications",
    } <= operation_ids
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn" not in docs.lower() and "/static/ninja/" in docs
