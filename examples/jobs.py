"""The job lifecycle (docs: "Tracking Jobs", "Convenience Methods", "Cancelling Jobs",
"SSE Streaming", "Managing Jobs")."""

from __future__ import annotations

import sys

from covia import Grid


def main(venue_url: str) -> None:
    with Grid.connect(venue_url) as venue:
        job = venue.invoke(
            "v/test/ops/delay", {"delay": 200, "operation": "v/test/ops/echo", "input": {"x": 1}}
        )

        # Check status
        print(job.status)  # JobStatus.PENDING
        print(job.is_finished)  # False
        print(job.is_complete)  # False

        # Poll for latest status
        job.refresh()

        # Wait for completion with exponential backoff
        job.wait(timeout=120)

        # Access the result
        if job.is_complete:
            print(job.output)
        else:
            print(job.error)

        # wait + output in one call
        job = venue.invoke("v/test/ops/echo", {"x": 1})
        output = job.result(timeout=60)
        print(output)

        # invoke + wait + output in one call
        output = venue.run("v/test/ops/echo", {"x": 1}, timeout=60)
        print(output)

        # Cancelling jobs
        job = venue.invoke("v/test/ops/never", {"data": "..."})
        # ... later
        job.cancel()
        print(job.status)

        # SSE streaming
        job = venue.invoke(
            "v/test/ops/delay", {"delay": 100, "operation": "v/test/ops/echo", "input": 1}
        )
        for event in job.stream():
            print(f"Event: {event.event}, Data: {event.data}")

        # List all job IDs
        job_ids = venue.list_jobs()
        print(len(job_ids))

        # Get a specific job
        job = venue.get_job(job_ids[-1])
        print(job.status)

        # Delete a job record
        venue.delete_job(job_ids[-1])


if __name__ == "__main__":
    main(sys.argv[1])
