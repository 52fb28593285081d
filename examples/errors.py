"""Error handling (docs: "Error Handling"): every failure is a CoviaError subclass."""

from __future__ import annotations

import sys

from covia import (
    AssetNotFoundError,
    CoviaConnectionError,
    CoviaError,
    CoviaTimeoutError,
    Grid,
    GridError,
    JobFailedError,
    JobNotFoundError,
    NotFoundError,
)


def attempt(venue_url: str, operation: str, payload: object) -> None:
    try:
        with Grid.connect(venue_url) as venue:
            result = venue.run(operation, payload, timeout=30)
            print(result)
    except AssetNotFoundError as e:
        print(f"Asset not found: {e.asset_id}")
    except JobNotFoundError as e:
        print(f"Job not found: {e.job_id}")
    except NotFoundError:
        print("Resource not found")
    except GridError as e:
        print(f"API error {e.status_code}: {e.message}")
    except JobFailedError as e:
        print(f"Job failed: {e.job_data.error}")
    except CoviaConnectionError:
        print("Cannot connect to venue")
    except CoviaTimeoutError:
        print("Operation timed out")

    # Or catch all SDK errors
    except CoviaError:
        print("Something went wrong")


def main(venue_url: str) -> None:
    attempt(venue_url, "v/test/ops/echo", {"x": 1})
    attempt(venue_url, "v/test/ops/error", {"message": "something broke"})
    attempt(venue_url, "no/such/operation", {"x": 1})
    attempt("http://127.0.0.1:9", "v/test/ops/echo", {"x": 1})  # nothing listens there

    # Or use Python built-in exception types
    try:
        with Grid.connect(venue_url) as venue:
            venue.invoke("v/test/ops/never").wait(timeout=0.2)
    except TimeoutError:
        print("Timed out")
    except ConnectionError:
        print("Connection failed")


if __name__ == "__main__":
    main(sys.argv[1])
