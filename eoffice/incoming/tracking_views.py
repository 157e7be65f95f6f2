"""Sổ theo dõi giải quyết văn bản đến: printed (PDF) and exported (XLSX) for a period.

Registered on the `incoming` blueprint (imported at the end of eoffice.incoming.views),
with the same access and the same period as the Sổ đăng ký beside it.
"""

from __future__ import annotations

import io

from flask import abort, request, send_file
from flask_login import current_user

from eoffice.incoming.access import can_see_register
from eoffice.incoming.queries import tracking_rows
from eoffice.incoming.views import _print_filters, bp

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/tracking.pdf")
def tracking_pdf():
    if not can_see_register(current_user):
        abort(403)
    from eoffice.reports.tracking_register import render_pdf

    filters = _print_filters()
    start, end = filters.date_from, filters.date_to
    pdf = render_pdf(current_user.organisation, tracking_rows(current_user, filters), start, end)
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"So-theo-doi-giai-quyet_{start:%Y%m%d}-{end:%Y%m%d}.pdf",
        as_attachment=request.args.get("download") == "1",
    )


@bp.get("/tracking.xlsx")
def tracking_xlsx():
    if not can_see_register(current_user):
        abort(403)
    from eoffice.reports.tracking_register import render_xlsx as render_tracking_xlsx

    filters = _print_filters()
    start, end = filters.date_from, filters.date_to
    docs = tracking_rows(current_user, filters)
    data = render_tracking_xlsx(current_user.organisation, docs, start, end)
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX_MIME,
        download_name=f"So-theo-doi-giai-quyet_{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
        as_attachment=True,
    )
