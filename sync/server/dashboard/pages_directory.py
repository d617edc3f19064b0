"""A site's directory: departments and hosts (with notification channels and away status),
and importing a CSV or JSON directory file in the browser.

The import is ``kiosk-server import-directory``'s: the same reader (``parse_directory``), the
same plan and per-row problems (``directory_import.plan_for``) and the same write with its pull
feed changes (``write_plan``): good rows are written, each refused row is listed with its row
number, column and reason. "Check only" shows the same report and writes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from kiosk.core.config.errors import KioskError
from kiosk.core.directory.file import MAX_FILE_BYTES, parse_directory
from kiosk.core.notify.channels import AppriseNotifier

from ..api.admin_common import PathId
from ..api.deps import SessionDep
from ..directory_import import plan_for, write_plan
from ..models import Department, Host
from . import audit
from .web import CurrentViewer, PostingViewer, render, require, site_or_404

router = APIRouter(include_in_schema=False)


def _page(request: Request, viewer, session, site_id: str, **extra) -> Response:
    site = site_or_404(session, viewer, site_id)
    departments = list(
        session.scalars(
            select(Department).where(Department.site_id == site_id).order_by(Department.id)
        )
    )
    hosts = list(session.scalars(select(Host).where(Host.site_id == site_id).order_by(Host.id)))
    audit.by(
        session,
        viewer,
        "dashboard.viewed",
        site_id=site_id,
        subject_kind="page",
        subject_id="directory",
        fields="host.email,host.phone",
        details={"rows": str(len(hosts))},
    )
    status_code = extra.pop("status_code", 200)
    return render(
        request,
        "directory.html",
        viewer=viewer,
        site=site,
        departments=departments,
        hosts=hosts,
        status_code=status_code,
        **{"report": None, **extra},
    )


@router.get("/sites/{site_id}/directory")
def directory(request: Request, site_id: PathId, viewer: CurrentViewer, session: SessionDep):
    require(viewer, "personal", site_id)
    with session.begin():
        return _page(request, viewer, session, site_id)


@router.post("/sites/{site_id}/directory/import")
def import_directory(
    request: Request,
    site_id: PathId,
    viewer: PostingViewer,
    session: SessionDep,
    file: Annotated[UploadFile, File()],
    check_only: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    require(viewer, "directory", site_id)
    # a plain function: FastAPI runs it in its thread pool, off the event loop
    data = file.file.read(MAX_FILE_BYTES + 1)
    name = (file.filename or "").lower()
    try:
        parsed = parse_directory(data, json_format=True if name.endswith(".json") else None)
    except KioskError as e:
        with session.begin():
            return _page(
                request,
                viewer,
                session,
                site_id,
                report={"error": e.detail or str(e)},
                status_code=400,
            )
    with session.begin():
        site_or_404(session, viewer, site_id)
        plan = plan_for(session, site_id, parsed, AppriseNotifier())
        if not check_only:  # the plan itself writes nothing
            write_plan(session, plan, site_id=site_id)
            audit.by(
                session,
                viewer,
                "dashboard.directory_imported",
                site_id=site_id,
                subject_kind="directory",
                subject_id=site_id,
                details={
                    "departments": str(len(plan.departments)),
                    "hosts": str(len(plan.hosts)),
                    "refused": str(len(plan.problems)),
                },
            )
        report = {
            "error": "",
            "check_only": bool(check_only),
            "problems": [
                line.removeprefix("refused: ")
                for line in plan.report()
                if line.startswith("refused: ")
            ],
            "warnings": list(plan.warnings),
            "departments": len(plan.departments),
            "hosts": len(plan.hosts),
            "lines": [plan.department_changes.line("departments"), plan.host_changes.line("hosts")],
        }
        return _page(
            request,
            viewer,
            session,
            site_id,
            report=report,
        )
