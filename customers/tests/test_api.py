"""The customer endpoints of the API contract, and the grant endpoints in the
same style."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.services import api_token_issue
from core.models import AuditEvent
from customers import services
from customers.models import AccessGrant, Contact, Customer, CustomerEvent
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, users):
    """Call the API as a demo user (bearer token)."""

    def call(method, path, username="agent", body=None, **extra):
        key, _token = api_token_issue(user=users[username])
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}", **extra}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(client, method)(f"/api/v1{path}", **kwargs)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    return call


def test_create_and_read_back_a_customer(api, users):
    response = api(
        "post",
        "/customers",
        body={
            "kind": "organisation",
            "name": "杭州远航食品有限公司",
            "credit_code": "91350100m000100y43",
            "ownership": "private",
            "province": "浙江省",
            "city": "杭州市",
            "phone": "0571-0123456",
            "owner": "agent",
        },
    )
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert body["credit_code"] == "91350100M000100Y43"
    assert body["owner"] == "agent" and body["tier"] == "C" and body["version"] == 1
    assert body["masked_fields"] == [] and body["created_at"].endswith("+08:00")
    again = api("get", f"/customers/{body['id']}")
    assert again.json_body["name"] == "杭州远航食品有限公司"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"kind": "organisation"}, "name"),
        ({"name": "甲", "kind": "company"}, "kind"),
        ({"name": "甲", "credit_code": "91350100M000100Y44"}, "credit_code"),
        ({"name": "甲", "owner": "nobody"}, "owner"),
        ({"name": "甲", "owner": "agent2"}, "owner"),
        ({"name": "甲", "tier": "Z"}, "tier"),
        ({"name": "甲", "referred_by": 99999}, "referred_by"),
        ({"name": "甲", "credit_limit": "lots"}, "credit_limit"),
        ({"name": "x" * 201}, "name"),
    ],
)
def test_bad_input_is_422_naming_the_field(api, body, field):
    response = api("post", "/customers", body=body)
    assert response.status_code == 422
    assert response.json_body["errors"][0]["field"] == field
    assert not Customer.objects.exists()


def test_a_body_that_is_not_json_is_400(api, users):
    key, _ = api_token_issue(user=users["agent"])
    from django.test import Client

    response = Client().post(
        "/api/v1/customers",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 400


MASKED_CUSTOMER = [
    "credit_rating",
    "credit_limit",
    "credit_score",
    "credit_balance",
    "credit_trend",
    "credit_assessed_at",
]
MASKED_CONTACT = ["birthday", "family", "interests", "personality", "relationships"]


@pytest.mark.parametrize(
    "username,revealed",
    [
        ("agent", True),
        ("manager", True),
        ("agent2", False),
        ("supervisor", False),
        ("gm", False),
        ("transport", False),
        ("auditor", False),
    ],
)
def test_masked_fields_are_null_and_named_for_each_role(
    api, archive, username, revealed
):
    pk = archive["customer"].pk
    customer = api("get", f"/customers/{pk}", username).json_body
    listed = api("get", "/customers", username).json_body["items"][0]
    contacts = api("get", f"/customers/{pk}/contacts", username).json_body
    contact = api(
        "get", f"/customers/{pk}/contacts/{archive['contact'].pk}", username
    ).json_body
    for item in (customer, listed):
        if revealed:
            assert (item["credit_rating"], item["credit_limit"]) == ("AA", "500000.00")
            assert item["masked_fields"] == []
        else:
            assert item["credit_rating"] is None and item["credit_limit"] is None
            assert item["masked_fields"] == MASKED_CUSTOMER
    for item in (contacts[0], contact):
        assert item["name"] == "李明" and item["mobile"] == "100-1234-5678"
        if revealed:
            assert item["interests"] == "高尔夫"
            assert item["birthday"]["display"] == "农历三月十五"
            assert item["masked_fields"] == []
        else:
            assert all(item[field] is None for field in MASKED_CONTACT)
            assert item["masked_fields"] == MASKED_CONTACT
    views = AuditEvent.objects.filter(event="customer.view", actor_username=username)
    assert sorted(v.data["channel"] for v in views) == [
        "api",
        "api_contact",
        "api_contacts",
    ]
    reveals = AuditEvent.objects.filter(
        event="customer.reveal", actor_username=username
    )
    assert sorted(r.data["channel"] for r in reveals) == (
        ["api", "api_contact", "api_contacts", "api_list"] if revealed else []
    )


@pytest.mark.parametrize("username", ["secadmin", "admin"])
def test_administrators_are_refused_and_the_refusal_is_audited(api, archive, username):
    pk = archive["customer"].pk
    for method, path, body in [
        ("get", "/customers", None),
        ("get", f"/customers/{pk}", None),
        ("get", f"/customers/{pk}/contacts", None),
        ("get", f"/customers/{pk}/events", None),
        ("post", "/customers", {"name": "甲"}),
        ("patch", f"/customers/{pk}", {"version": 1, "name": "乙"}),
        ("get", "/grants", None),
    ]:
        response = api(method, path, username, body=body)
        assert response.status_code == 403, (method, path)
        assert set(response.json_body) == {"detail", "errors"}
    assert (
        AuditEvent.objects.filter(
            event="access.denied", actor_username=username, result="denied"
        ).count()
        == 7
    )


def test_the_auditor_reads_but_cannot_write(api, archive):
    pk = archive["customer"].pk
    assert api("get", f"/customers/{pk}", "auditor").status_code == 200
    assert api("post", "/customers", "auditor", body={"name": "甲"}).status_code == 403
    assert (
        api(
            "patch", f"/customers/{pk}", "auditor", body={"version": 1, "city": "x"}
        ).status_code
        == 403
    )
    assert (
        api(
            "post",
            f"/customers/{pk}/events",
            "auditor",
            body={"occurred_on": "2025-01-01", "title": "x"},
        ).status_code
        == 403
    )
    assert (
        api(
            "post", f"/customers/{pk}/grants", "auditor", body={"reason": "x"}
        ).status_code
        == 403
    )


def test_missing_customers_are_404(api):
    assert api("get", "/customers/999999").status_code == 404
    assert api("patch", "/customers/999999", body={"version": 1}).status_code == 404


def test_patch_needs_the_version_and_a_stale_one_is_409(api, archive):
    pk = archive["customer"].pk
    response = api("patch", f"/customers/{pk}", body={"industry": "通信"})
    assert response.status_code == 422
    assert response.json_body["errors"][0]["field"] == "version"
    ok = api("patch", f"/customers/{pk}", body={"version": 1, "industry": "通信"})
    assert ok.status_code == 200 and ok.json_body["version"] == 2
    stale = api("patch", f"/customers/{pk}", body={"version": 1, "industry": "化工"})
    assert stale.status_code == 409 and stale.json_body["current_version"] == 2
    assert Customer.objects.get(pk=pk).industry == "通信"


def test_patch_credit_as_a_non_owner_is_refused_on_the_field(api, archive):
    pk = archive["customer"].pk
    response = api(
        "patch", f"/customers/{pk}", "agent2", body={"version": 1, "credit_limit": "1"}
    )
    assert response.status_code == 422
    assert response.json_body["errors"][0]["field"] == "credit_limit"


def test_list_filters_q_tier_owner_kind(api, users):
    CustomerFactory(name="华为技术有限公司", tier="A", owner=users["agent"])
    CustomerFactory(name="王先生", kind="person", tier="C", phone="10012345678")
    CustomerFactory(name="中兴通讯股份有限公司", tier="B", owner=users["agent2"])

    def names(query):
        response = api("get", f"/customers?{query}")
        assert response.status_code == 200, response.json_body
        return [c["name"] for c in response.json_body["items"]]

    assert names("q=为技") == ["华为技术有限公司"]
    assert names("q=hwjs") == ["华为技术有限公司"]
    assert names("q=5678") == ["王先生"]
    assert names("tier=B") == ["中兴通讯股份有限公司"]
    assert names("owner=agent2") == ["中兴通讯股份有限公司"]
    assert names("owner=me") == ["华为技术有限公司"]
    assert names("kind=person") == ["王先生"]
    for query, field in [
        ("q=华", "q"),
        ("tier=D", "tier"),
        ("owner=nobody", "owner"),
        ("kind=robot", "kind"),
        ("limit=500", "limit"),
        ("cursor=bogus", "cursor"),
    ]:
        response = api("get", f"/customers?{query}")
        assert response.status_code == 422
        assert response.json_body["errors"][0]["field"] == field


def test_list_pages_with_a_cursor(api):
    for i in range(5):
        CustomerFactory(name=f"客户{i}号")
    first = api("get", "/customers?limit=3").json_body
    second = api("get", f"/customers?limit=3&cursor={first['next_cursor']}").json_body
    names = [c["name"] for c in first["items"] + second["items"]]
    assert len(set(names)) == 5 and second["next_cursor"] is None


def test_list_query_count_does_not_grow_with_rows(api, users):
    for _ in range(2):
        CustomerFactory(owner=users["agent"])
    api("get", "/customers")
    with CaptureQueriesContext(connection) as few:
        api("get", "/customers")
    for _ in range(10):
        CustomerFactory(owner=users["agent"])
    with CaptureQueriesContext(connection) as many:
        api("get", "/customers")
    assert len(few) == len(many)


def test_contacts_create_patch_delete(api, archive):
    pk = archive["customer"].pk
    created = api(
        "post",
        f"/customers/{pk}/contacts",
        body={
            "name": "王五",
            "mobile": "10011112222",
            "birthday": {"calendar": "solar", "month": 5, "day": 20},
            "interests": "钓鱼",
        },
    )
    assert created.status_code == 201, created.json_body
    contact = created.json_body
    assert contact["birthday"]["display"] == "公历 5月20日"
    bad = api(
        "post",
        f"/customers/{pk}/contacts",
        body={"name": "赵六", "birthday": {"month": 2, "day": 30}},
    )
    assert bad.status_code == 422
    assert bad.json_body["errors"][0]["field"] == "birthday.day"
    refused = api(
        "post",
        f"/customers/{pk}/contacts",
        "agent2",
        body={"name": "赵六", "family": "x"},
    )
    assert refused.status_code == 422
    assert refused.json_body["errors"][0]["code"] == "confidential"
    path = f"/customers/{pk}/contacts/{contact['id']}"
    assert api("patch", path, body={"title": "经理"}).status_code == 422
    patched = api("patch", path, body={"version": 1, "title": "经理"})
    assert patched.status_code == 200 and patched.json_body["version"] == 2
    assert api("patch", path, body={"version": 1, "title": "x"}).status_code == 409
    assert api("delete", f"{path}?version=1").status_code == 409
    assert api("delete", path).status_code == 204
    assert not Contact.objects.filter(pk=contact["id"]).exists()
    assert api("get", path).status_code == 404


def test_events_are_listed_newest_first_and_added(api, archive):
    pk = archive["customer"].pk
    for day, title in [
        ("2024-03-01", "签订年度合同"),
        ("2025-05-01", "苏州分公司成立"),
    ]:
        response = api(
            "post",
            f"/customers/{pk}/events",
            body={"occurred_on": day, "kind": "cooperation", "title": title},
        )
        assert response.status_code == 201
    body = api("get", f"/customers/{pk}/events").json_body
    assert [e["title"] for e in body["items"]] == ["苏州分公司成立", "签订年度合同"]
    assert body["items"][0]["created_by"] == "agent"
    bad = api(
        "post",
        f"/customers/{pk}/events",
        body={"occurred_on": "2999-01-01", "title": "x"},
    )
    assert (
        bad.status_code == 422 and bad.json_body["errors"][0]["field"] == "occurred_on"
    )
    bad = api("post", f"/customers/{pk}/events", body={"title": "x"})
    assert (
        bad.status_code == 422 and bad.json_body["errors"][0]["field"] == "occurred_on"
    )
    assert CustomerEvent.objects.count() == 2


def test_actions_flag_verify_delete(api, archive):
    pk = archive["customer"].pk
    refused = api("post", f"/customers/{pk}/actions/flag_problem", body={"reason": "x"})
    assert refused.status_code == 403
    flagged = api(
        "post",
        f"/customers/{pk}/actions/flag_problem",
        "manager",
        body={"reason": "恶意投诉", "version": 1},
    )
    assert flagged.status_code == 200 and flagged.json_body["is_problem"] is True
    assert api("post", f"/customers/{pk}/actions/verify", body={}).status_code == 200
    stale = api("post", f"/customers/{pk}/actions/verify", body={"version": 1})
    assert stale.status_code == 409
    unknown = api("post", f"/customers/{pk}/actions/merge", body={})
    assert (
        unknown.status_code == 422
        and unknown.json_body["errors"][0]["field"] == "action"
    )
    assert (
        api(
            "post", f"/customers/{pk}/actions/delete", "manager", body={"reason": ""}
        ).status_code
        == 422
    )
    assert (
        api(
            "post",
            f"/customers/{pk}/actions/delete",
            "manager",
            body={"reason": "重复"},
        ).status_code
        == 200
    )
    assert api("get", f"/customers/{pk}").status_code == 404


def test_grant_endpoints(api, archive, users):
    pk = archive["customer"].pk
    assert (
        api(
            "post", f"/customers/{pk}/grants", "agent2", body={"reason": ""}
        ).status_code
        == 422
    )
    created = api("post", f"/customers/{pk}/grants", "agent2", body={"reason": "回访"})
    assert created.status_code == 201 and created.json_body["status"] == "pending"
    grant_id = created.json_body["id"]
    assert api("get", "/grants", "agent2").json_body["items"][0]["id"] == grant_id
    assert api("get", "/grants", "supervisor").json_body["items"] == []
    assert api("get", f"/grants/{grant_id}", "supervisor").status_code == 404
    assert (
        api(
            "post", f"/grants/{grant_id}/actions/approve", "agent2", body={"hours": 8}
        ).status_code
        == 403
    )
    bad = api(
        "post", f"/grants/{grant_id}/actions/approve", "manager", body={"hours": 9999}
    )
    assert bad.status_code == 422 and bad.json_body["errors"][0]["field"] == "hours"
    approved = api(
        "post", f"/grants/{grant_id}/actions/approve", "manager", body={"hours": 8}
    )
    assert approved.json_body["status"] == "approved"
    assert approved.json_body["expires_at"].endswith("+08:00")
    assert api("get", f"/customers/{pk}", "agent2").json_body["credit_rating"] == "AA"
    again = api(
        "post", f"/grants/{grant_id}/actions/refuse", "manager", body={"note": "x"}
    )
    assert (
        again.status_code == 422 and again.json_body["errors"][0]["field"] == "action"
    )
    assert (
        api("get", "/grants?status=live", "manager").json_body["items"][0]["id"]
        == grant_id
    )
    assert api("get", "/grants?status=odd", "manager").status_code == 422
    revoked = api(
        "post", f"/grants/{grant_id}/actions/revoke", "manager", body={"note": "结束"}
    )
    assert revoked.json_body["status"] == "revoked"
    assert api("get", f"/customers/{pk}", "agent2").json_body["credit_rating"] is None
    assert AccessGrant.objects.get().status == "revoked"


def test_openapi_lists_the_customer_operations(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    assert {
        "/api/v1/customers",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/{customer_id}/contacts",
        "/api/v1/customers/{customer_id}/events",
        "/api/v1/grants",
    } <= set(paths)


def test_services_refuse_what_the_api_refuses(users, archive):
    """The API is thin: the same service call from a script is refused alike."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.customer_flag_problem(
            actor=users["agent2"], customer=archive["customer"], reason="x"
        )


def test_a_null_character_is_refused_not_a_server_error(api):
    response = api("post", "/customers", body={"name": "甲\x00乙"})
    assert response.status_code == 422
    assert response.json_body["errors"][0]["field"] == "name"
    assert api("get", "/customers?q=%E6%81%92%E9%80%9A%00a").status_code == 200


def test_huge_ids_are_not_found(api):
    big = 10**20
    assert api("get", f"/customers/{big}").status_code == 404
    assert api("get", f"/grants?customer={big}").status_code == 404
    assert api("get", "/customers?owner=a%00b").status_code == 422
    response = api("post", "/customers", body={"name": "甲", "referred_by": big})
    assert response.status_code == 422
