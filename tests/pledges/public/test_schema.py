from __future__ import annotations

import re

import yaml
from django.core.management import call_command


def open_data_schema(tmp_path) -> dict:
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--urlconf", "tests.pledges.public.open_data_urls", "--file", str(target)
    )
    return yaml.safe_load(target.read_text())


def query_parameters(schema: dict, path: str) -> dict[str, dict]:
    return {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}


def test_the_open_data_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    # --fail-on-warn raises on any warning; --validate checks it against the OpenAPI 3 spec.
    call_command(
        "spectacular",
        "--urlconf",
        "tests.pledges.public.open_data_urls",
        "--validate",
        "--fail-on-warn",
        "--lang",
        "en",
        "--file",
        str(target),
    )

    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {
        "/api/v1/assessments/",
        "/api/v1/periods/",
        "/api/v1/members/",
        "/api/v1/pledges/",
        "/api/v1/statistics/inspections/",
        "/api/v1/statistics/complaints/",
    }
    for operations in schema["paths"].values():
        assert set(operations) == {"get"}
        responses = operations["get"]["responses"]
        assert set(responses["200"]["content"]) == {"application/json", "text/csv"}


def test_the_assessments_operation_documents_its_parameters_and_score(tmp_path):
    schema = open_data_schema(tmp_path)

    operation = schema["paths"]["/api/v1/assessments/"]["get"]
    parameters = query_parameters(schema, "/api/v1/assessments/")
    assert parameters["cooperative"]["required"] is True
    assert parameters["period"]["required"] is True
    assert sorted(parameters["format"]["schema"]["enum"]) == ["csv", "json"]
    assert {"400", "404"} <= set(operation["responses"])
    item = schema["components"]["schemas"]["Assessment"]["properties"]
    assert item["score"]["type"] == "number"
    assert item["score"]["nullable"] is True
    assert item["revision"]["type"] == "integer"
    page = schema["components"]["schemas"]["PaginatedAssessmentList"]["properties"]
    assert {"meta", "next", "previous", "results"} <= set(page)


def test_the_project_schema_and_its_documentation_are_served(client):
    schema = client.get("/api/v1/schema/")
    docs = client.get("/api/v1/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/assessments/" in schema.content
    assert docs.status_code == 200


def test_the_documentation_page_references_no_other_host(client):
    """Fonts or scripts from a CDN would be refused by the site's content security policy."""
    page = client.get("/api/v1/docs/").content.decode()

    assert re.findall(r"(?:https?:)?//[^\s\"'<>)]+", page) == []
    assert re.search(r'<script src="/static/[^"]*redoc[^"]*\.js"', page)


def test_the_schema_says_the_bounds_the_api_enforces_on_year_and_page_size(tmp_path):
    schema = open_data_schema(tmp_path)

    for path in ("/api/v1/statistics/inspections/", "/api/v1/statistics/complaints/"):
        year = query_parameters(schema, path)["year"]["schema"]
        assert (year["type"], year["minimum"], year["maximum"]) == ("integer", 1900, 2999)
    for path in ("/api/v1/assessments/", "/api/v1/members/", "/api/v1/pledges/"):
        page_size = query_parameters(schema, path)["page_size"]["schema"]
        assert page_size == {"type": "integer", "minimum": 1, "maximum": 1000}
