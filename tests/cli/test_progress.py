"""Progress bars for content transfers."""

from __future__ import annotations

import io

from covia.cli.progress import transfer_progress
from covia.cli.render import Output


def test_off_a_terminal_transfers_are_silent():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=True, err_terminal=False)
    with transfer_progress(out, "get abc", 10) as advance:
        advance(4)
        advance(6)
    assert err.getvalue() == ""


def test_without_rich_transfers_are_silent():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=False, err_terminal=True)
    with transfer_progress(out, "get abc", 10) as advance:
        advance(10)
    assert err.getvalue() == ""


def test_on_a_terminal_a_bar_counts_the_bytes():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=True, err_terminal=True)
    with transfer_progress(out, "put abc", 2048) as advance:
        advance(1024)
        advance(1024)
    text = err.getvalue()
    assert "put abc" in text
    assert "2.0/2.0 kB" in text


def test_an_unknown_size_still_counts():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=True, err_terminal=True)
    with transfer_progress(out, "get abc", None) as advance:
        advance(3000)
    assert "3.0/? kB" in err.getvalue()


def test_a_total_learnt_on_the_way_is_shown():
    err = io.StringIO()
    out = Output(stdout=io.StringIO(), stderr=err, use_rich=True, err_terminal=True)
    with transfer_progress(out, "get abc", None) as meter:
        meter.set_total(2000)
        meter(2000)
    assert "2.0/2.0 kB" in err.getvalue()
    assert "/?" not in err.getvalue().rsplit("get abc", 1)[-1]  # the last frame
