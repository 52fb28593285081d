"""``covia.exceptions``: the hierarchy exactly as the documentation draws it, and the
built-in types that timeouts and connection failures can be caught as."""

from __future__ import annotations

import pytest

import covia
import covia.exceptions as exceptions
from covia.exceptions import (
    AssetIdMismatchError,
    AssetNotFoundError,
    ContentHashError,
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    CoviaUsageError,
    GridError,
    JobFailedError,
    JobInteractionRequired,
    JobNotFoundError,
    JsonRpcError,
    NotFoundError,
    RateLimitError,
    VenueProtocolError,
)
from covia_proto.testing.faults import FaultPlan, ResetBeforeRequest, StallResponse
from tests.covia.helpers import ERROR, NEVER, memory_venue

# The documentation's tree: child -> parent.
DOCUMENTED = {
    GridError: CoviaError,
    NotFoundError: GridError,
    AssetNotFoundError: NotFoundError,
    JobNotFoundError: NotFoundError,
    CoviaConnectionError: CoviaError,
    CoviaTimeoutError: CoviaError,
    JobFailedError: CoviaError,
}
# Beyond the documentation (documented in covia.exceptions itself).
EXTRA = {
    RateLimitError: GridError,
    VenueProtocolError: CoviaError,
    ContentHashError: VenueProtocolError,
    AssetIdMismatchError: VenueProtocolError,
    JobInteractionRequired: CoviaError,
    JsonRpcError: CoviaError,
    CoviaUsageError: CoviaError,
}


@pytest.mark.parametrize(("child", "parent"), list({**DOCUMENTED, **EXTRA}.items()))
def test_each_class_sits_where_documented(child: type, parent: type) -> None:
    assert parent in child.__bases__
    assert issubclass(child, CoviaError)
    assert issubclass(CoviaError, Exception)


def test_documented_siblings_are_not_related() -> None:
    roots = [GridError, CoviaConnectionError, CoviaTimeoutError, JobFailedError]
    for one in roots:
        for other in roots:
            assert issubclass(one, other) == (one is other)
    assert not issubclass(AssetNotFoundError, JobNotFoundError)
    assert not issubclass(JobNotFoundError, AssetNotFoundError)


def test_builtin_types() -> None:
    assert issubclass(CoviaConnectionError, ConnectionError)
    assert issubclass(CoviaTimeoutError, TimeoutError)
    assert issubclass(CoviaUsageError, ValueError)
    assert not issubclass(CoviaTimeoutError, ConnectionError)
    assert not issubclass(CoviaConnectionError, TimeoutError)


def test_exported_from_the_package_and_the_module() -> None:
    for cls in {**DOCUMENTED, **EXTRA}:
        assert getattr(covia, cls.__name__) is cls
        assert getattr(exceptions, cls.__name__) is cls
        assert cls.__name__ in exceptions.__all__


def test_a_timeout_is_caught_as_timeout_error() -> None:
    faults = FaultPlan()
    faults.add(StallResponse(), path="/status")
    mem = memory_venue(faults=faults, timeout=2.0)
    with pytest.raises(TimeoutError):
        mem.venue.status()
    job = mem.venue.invoke(NEVER, {})
    with pytest.raises(CoviaError) as caught:
        job.wait(timeout=1)
    assert isinstance(caught.value, CoviaTimeoutError)


def test_a_connection_failure_is_caught_as_connection_error() -> None:
    faults = FaultPlan()
    faults.add(ResetBeforeRequest(), path="/status")
    mem = memory_venue(faults=faults)
    with pytest.raises(ConnectionError):
        mem.venue.status()


def test_error_attributes() -> None:
    mem = memory_venue()
    with pytest.raises(AssetNotFoundError) as asset:
        mem.venue.get_asset("0" * 64)
    assert asset.value.asset_id == "0" * 64
    assert asset.value.status_code == 404
    assert "Asset not found" in asset.value.message
    assert asset.value.request is not None
    assert asset.value.request.method == "GET"
    with pytest.raises(JobNotFoundError) as job:
        mem.venue.get_job("1" * 32)
    assert job.value.job_id == "1" * 32
    with pytest.raises(JobFailedError) as failed:
        mem.venue.run(ERROR, {"message": "something broke"})
    assert failed.value.job_data.error == "something broke"
    assert "something broke" in str(failed.value)


def test_the_documented_except_ladder_picks_the_right_branch() -> None:
    def classify(call) -> str:
        try:
            call()
        except AssetNotFoundError as e:
            return f"asset {e.asset_id}"
        except JobNotFoundError as e:
            return f"job {e.job_id}"
        except NotFoundError:
            return "not found"
        except GridError as e:
            return f"api {e.status_code}"
        except JobFailedError as e:
            return f"failed {e.job_data.error}"
        except CoviaConnectionError:
            return "connection"
        except CoviaTimeoutError:
            return "timeout"
        return "ok"

    mem = memory_venue()
    venue = mem.venue
    assert classify(lambda: venue.get_asset("a" * 64)) == f"asset {'a' * 64}"
    assert classify(lambda: venue.get_job("b" * 32)) == f"job {'b' * 32}"
    assert classify(lambda: venue.get_operation("v/none")) == "not found"
    assert classify(lambda: venue.invoke("v/none")) == "api 400"
    assert classify(lambda: venue.run(ERROR, {"message": "m"})) == "failed m"
    assert classify(lambda: venue.invoke(NEVER).wait(timeout=0.5)) == "timeout"
