"""Looking at a venue: ``status``, ``ops``, ``op``, ``assets``, ``asset``, ``jobs``,
``job``. Each prints a table or fields, or with ``--json`` one JSON document."""

from __future__ import annotations

import argparse
from typing import Any

from covia.cli.formats import (
    asset_json,
    asset_kind,
    job_json,
    model_json,
    timestamp,
)
from covia.cli.inputs import check_asset_reference
from covia.cli.render import Output
from covia.cli.venue import VenueOptions, connect
from covia_proto.models import JobRecord

__all__ = ["register"]

DEFAULT_JOB_LIMIT = 50


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def status(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        found = venue.status()
    if out.json_mode:
        out.json(model_json(found))
        return 0
    stats = found.stats
    out.fields(
        [
            ("Name", _text(found.name)),
            ("DID", _text(found.did)),
            ("URL", _text(found.url)),
            ("Status", _text(found.status)),
            ("Version", _text(found.version)),
            ("Assets", _text(stats.assets) if stats else ""),
            ("Operations", _text(stats.ops) if stats else ""),
            ("Users", _text(stats.users) if stats else ""),
            ("Jobs", _text(stats.jobs) if stats else ""),
        ],
        title="Venue",
    )
    return 0


def ops(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        found = venue.list_operations()
    if out.json_mode:
        out.json([model_json(op) for op in found])
        return 0
    out.table(
        ["Name", "Description"],
        [(op.name, _text(op.description)) for op in found],
        caption=f"{len(found)} operations; `covia op NAME` for one",
    )
    return 0


def op(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        found = venue.get_operation(args.name)
    if out.json_mode:
        out.json(model_json(found))
        return 0
    out.fields(
        [
            ("Name", found.name),
            ("Asset", _text(found.asset)),
            ("Description", _text(found.description)),
            ("Activity", _text(found.activity_label)),
            ("Read-only", "yes" if found.read_only else ""),
        ],
        title="Operation",
    )
    if found.input is not None:
        out.document("Input", found.input)
    if found.output is not None:
        out.document("Output", found.output)
    return 0


def assets(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        if args.all:
            ids = venue.list_all_assets()
            total, offset = len(ids), 0
        else:
            page = venue.list_assets(offset=args.offset, limit=args.limit)
            ids, total, offset = list(page.items), page.total, page.offset
        found = [venue.get_asset(asset_id) for asset_id in ids]
    if out.json_mode:
        out.json({"total": total, "offset": offset, "items": [asset_json(a) for a in found]})
        return 0
    if len(found) == total:
        caption = f"{total} assets"
    else:
        last = offset + len(found)
        caption = f"assets {offset + 1}-{last} of {total}; --all for every one"
    out.table(
        ["ID", "Kind", "Name"],
        [(a.id, asset_kind(a), _text(a.name)) for a in found],
        caption=caption,
    )
    return 0


def asset(args: argparse.Namespace, out: Output) -> int:
    check_asset_reference(args.id)
    with connect(VenueOptions.from_args(args), out) as venue:
        found = venue.get_asset(args.id)
    if out.json_mode:
        out.json(asset_json(found))
        return 0
    content = found.content
    out.fields(
        [
            ("ID", found.id),
            ("Name", _text(found.name)),
            ("Description", _text(found.description)),
            ("Kind", asset_kind(found)),
            ("Content type", _text(content.content_type) if content else ""),
            ("Size", _text(content.size) if content else ""),
            ("SHA-256", _text(content.sha256) if content else ""),
        ],
        title="Asset",
    )
    out.document("Metadata", found.metadata)
    return 0


def _job_row(record: JobRecord) -> tuple[str, str, str, str]:
    return (record.id, record.status.value, _text(record.name), timestamp(record.updated))


def jobs(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        ids = venue.list_jobs()
        shown = ids[-args.limit :] if args.limit > 0 else ids
        found = [venue.get_job(job_id) for job_id in shown]
    if out.json_mode:  # the envelope of `assets --json`
        items = [job_json(job.data) for job in found]
        out.json({"total": len(ids), "offset": len(ids) - len(shown), "items": items})
        return 0
    caption = f"{len(ids)} jobs"
    if len(shown) < len(ids):
        caption = f"the last {len(shown)} of {len(ids)} jobs; --limit 0 for all"
    out.table(
        ["ID", "Status", "Operation", "Updated"], [_job_row(j.data) for j in found], caption=caption
    )
    return 0


def job(args: argparse.Namespace, out: Output) -> int:
    with connect(VenueOptions.from_args(args), out) as venue:
        found = venue.get_job(args.id)
    if out.json_mode:
        out.json(job_json(found.data))
        return 0
    describe_job(out, found.data)
    return 0


def describe_job(out: Output, record: JobRecord) -> None:
    """A job's fields, input and output (or error), as ``job ID`` shows them."""
    out.fields(
        [
            ("ID", record.id),
            ("Status", record.status.value),
            ("Operation", _text(record.name)),
            ("Op asset", _text(record.operation)),
            ("Created", timestamp(record.created)),
            ("Updated", timestamp(record.updated)),
            ("Error", _text(record.error)),
            ("Message", _text(record.message)),
        ],
        title="Job",
    )
    if record.input is not None:
        out.document("Input", record.input)
    if record.output is not None:
        out.document("Output", record.output)


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    def add(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, parents=[common])

    add("status", "the venue's name, DID and counts").set_defaults(handler=status)
    add("ops", "the operations the venue offers").set_defaults(handler=ops)
    parser = add("op", "one operation, with its input and output schemas")
    parser.add_argument("name", help="catalog name (v/test/ops/echo), asset id or DID URL")
    parser.set_defaults(handler=op)
    parser = add("assets", "the venue's assets (one page, or --all)")
    parser.add_argument("--all", action="store_true", help="every asset, across pages")
    parser.add_argument("--offset", type=int, default=None, help="first asset of the page")
    parser.add_argument("--limit", type=int, default=None, help="assets per page")
    parser.set_defaults(handler=assets)
    parser = add("asset", "one asset's metadata")
    parser.add_argument("id", help="asset id (hex) or DID URL")
    parser.set_defaults(handler=asset)
    parser = add("jobs", "the jobs this caller may see, newest last")
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_JOB_LIMIT,
        help=f"show the last N jobs (default {DEFAULT_JOB_LIMIT}; 0 for all)",
    )
    parser.set_defaults(handler=jobs)
    parser = add("job", "one job: status, input, output")
    parser.add_argument("id", help="job id")
    parser.set_defaults(handler=job)
