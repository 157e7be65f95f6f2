"""`flask search reindex` and `flask search extract`: catching the index up by hand.

The index keeps itself in step with every change (`search.indexing`) and attached
files are extracted by jobs (`search.texts`); these commands are for what happened
outside that: documents loaded before the index existed or straight into the database
(a benchmark corpus, a restore), extraction jobs lost with Redis, files whose
extraction failed and may now succeed.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import exists, func, select

from eoffice.extensions import db
from eoffice.incoming.models import IncomingDocument
from eoffice.outgoing.models import OutgoingDocument
from eoffice.search import indexing, texts
from eoffice.search.models import DocumentKind, SearchEntry, TextState

REINDEX_BATCH = 1000  # documents per transaction: progress to show, memory bounded

_KINDS = (
    (DocumentKind.INCOMING, IncomingDocument, "văn bản đến"),
    (DocumentKind.OUTGOING, OutgoingDocument, "văn bản đi"),
)
_STATE_WORDS = {
    TextState.DONE: "có nội dung",
    TextState.EMPTY: "không có lớp chữ",
    TextState.FAILED: "lỗi",
    TextState.SKIPPED: "bỏ qua (ảnh, DOC)",
}


def number(value: int) -> str:
    """1234567 → '1.234.567', as numbers are written in Vietnamese."""
    return f"{value:,}".replace(",", ".")


def reindex_documents(*, everything: bool, echo=click.echo) -> dict[DocumentKind, int]:
    """Index the documents that have no index row (or all of them), in batches, each
    batch its own transaction; returns how many of each kind were indexed."""
    done_by_kind: dict[DocumentKind, int] = {}
    for kind, model, label in _KINDS:
        ids = select(model.id)
        if not everything:
            ids = ids.where(
                ~exists().where(SearchEntry.kind == kind, SearchEntry.document_id == model.id)
            )
        total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
        echo(f"{label.capitalize()}: {number(total)} văn bản cần lập chỉ mục.")
        done, last = 0, 0
        while batch := db.session.scalars(
            ids.where(model.id > last).order_by(model.id).limit(REINDEX_BATCH)
        ).all():
            indexing.reindex(kind, batch, db.session)
            db.session.commit()
            done += len(batch)
            last = batch[-1]
            echo(f"  Đã lập chỉ mục {number(done)}/{number(total)} {label}.")
        done_by_kind[kind] = done
    return done_by_kind


def extract_files(*, retry_failed: bool, embedded: bool, echo=click.echo) -> None:
    """Ask for the text of attached files that have none (and failed ones with
    `retry_failed`), then queue the jobs, or, without Redis, extract here and now: the
    embedded queue of this command's process would end with it."""
    added, retried = texts.ask_for_attached(retry_failed=retry_failed)
    echo(f"{number(added)} tệp đính kèm chưa được trích xuất nội dung.")
    if retry_failed:
        echo(f"{number(retried)} tệp trích xuất lỗi được thử lại.")
    if not embedded:
        queued = texts.queue_pending()
        echo(f"Đã đưa {number(queued)} tệp vào hàng đợi trích xuất (flask worker sẽ xử lý).")
        return
    echo("Chưa cấu hình REDIS_URL: trích xuất ngay trong tiến trình này.")
    counts = texts.extract_pending(lambda done: echo(f"  Đã xử lý {number(done)} tệp."))
    summary = ", ".join(f"{number(counts[state])} {words}" for state, words in _STATE_WORDS.items())
    echo(f"Xong: {summary}.")


def register(app: Flask) -> None:
    group = AppGroup("search", help="Tìm kiếm: lập chỉ mục văn bản, trích xuất nội dung tệp.")

    @group.command("reindex", help="Lập chỉ mục các văn bản chưa có trong chỉ mục tìm kiếm.")
    @click.option("--all", "everything", is_flag=True, help="Lập chỉ mục lại mọi văn bản.")
    def reindex(everything: bool) -> None:
        done = reindex_documents(everything=everything)
        click.echo(
            f"Xong: {number(done[DocumentKind.INCOMING])} văn bản đến, "
            f"{number(done[DocumentKind.OUTGOING])} văn bản đi."
        )

    @group.command("extract", help="Trích xuất nội dung các tệp đính kèm chưa được trích xuất.")
    @click.option("--failed", is_flag=True, help="Thử lại cả các tệp trích xuất bị lỗi.")
    def extract(failed: bool) -> None:
        from eoffice.jobs.connection import runner

        extract_files(retry_failed=failed, embedded=runner().embedded)

    app.cli.add_command(group)
