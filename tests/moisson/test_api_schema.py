import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_openapi_schema_describes_the_api(anonymous_api):
    response = anonymous_api.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/pairs/", "/api/v1/stats/", "/api/v1/auth/token/"} <= set(schema["paths"])


def test_the_documentation_page_is_served_from_the_sites_own_static_files(anonymous_api):
    response = anonymous_api.get(reverse("api:docs"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "cdn" not in page.lower()


def test_the_schema_is_valid_openapi_and_generated_without_warnings(tmp_path):
    # drf-spectacular warns when it has to guess a type; a guess is a schema clients cannot trust.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_an_unknown_api_address_answers_in_the_json_error_shape(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_page_still_answers_in_html(client):
    response = client.get("/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
