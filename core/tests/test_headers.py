import pytest

pytestmark = pytest.mark.django_db

CSP_PARTS = [
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
]


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/",
        "/api/v1/me",
        "/api/v1/docs",
        "/healthz",
        "/no-such-page/",
    ],
)
def test_security_headers_on_every_kind_of_answer(client, demo_accounts, url):
    client.force_login(demo_accounts["agent"])
    response = client.get(url)
    for part in CSP_PARTS:
        assert part in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_404_page_is_chinese(client, demo_accounts):
    client.force_login(demo_accounts["agent"])
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()
