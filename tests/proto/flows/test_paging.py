from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from covia_proto.flows.paging import list_all_assets, list_all_jobs
from covia_proto.testing.scripted import ScriptedDriver
from tests.proto.flows.canned import context, json_response

HEX = [f"{i:064x}" for i in range(7)]


def queries(driver: ScriptedDriver) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(r.url).query) for r in driver.requests]


def test_assets_are_listed_across_pages_until_total():
    driver = ScriptedDriver(
        [
            json_response(200, {"total": 7, "offset": 0, "limit": 3, "items": HEX[0:3]}),
            json_response(200, {"total": 7, "offset": 3, "limit": 3, "items": HEX[3:6]}),
            json_response(
                200, {"total": 7, "offset": 6, "limit": 3, "items": ["0x" + HEX[6].upper()]}
            ),
        ]
    )
    assert driver.run(list_all_assets(context(), page_size=3)) == tuple(HEX)
    assert [q["offset"] for q in queries(driver)] == [["0"], ["3"], ["6"]]
    assert all(q["limit"] == ["3"] for q in queries(driver))


def test_a_flat_array_is_everything_at_once():
    driver = ScriptedDriver([json_response(200, HEX)])
    assert driver.run(list_all_jobs(context())) == tuple(HEX)
    assert len(driver.requests) == 1


def test_a_venue_repeating_the_same_page_cannot_keep_the_client_looping():
    page = json_response(200, {"total": 100, "offset": 0, "limit": 2, "items": HEX[:2]})
    driver = ScriptedDriver([page, page, page])
    assert driver.run(list_all_jobs(context(), page_size=2)) == tuple(HEX[:2])
    assert len(driver.requests) == 2


def test_an_empty_page_ends_the_listing_even_if_total_says_more():
    driver = ScriptedDriver(
        [
            json_response(200, {"total": 50, "offset": 0, "limit": 2, "items": HEX[:2]}),
            json_response(200, {"total": 50, "offset": 2, "limit": 2, "items": []}),
        ]
    )
    assert driver.run(list_all_assets(context(), page_size=2)) == tuple(HEX[:2])
