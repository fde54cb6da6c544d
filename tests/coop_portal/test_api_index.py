"""/api/v1/ tells a program what the API offers, as addresses it can follow."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_every_endpoint_and_each_answers(client, coop):
    index = client.get("/api/v1/")
    assert index.status_code == 200
    body = index.json()
    assert sorted(body["open_data"]) == [
        "assessments",
        "members",
        "periods",
        "pledges",
        "statistics/complaints",
        "statistics/inspections",
    ]
    assert body["licence"] == "CC BY 4.0"
    for name, url in body["open_data"].items():
        assert url.startswith("http://testserver/api/v1/")
        if name != "assessments":  # needs a cooperative and a period
            assert client.get(url).status_code == 200, url
    assert client.get(body["schema"]).status_code == 200
    assert body["lab_inspections"].endswith("/api/v1/lab/inspections/")
