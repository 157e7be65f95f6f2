"""District directives in the demo: report requests the schools answer, late or not.

Three screens would be empty on a new installation: the district's tracking board of a
directive (/directives/<doc_id>), its roll-up of late schools (/directives/rollup) and a
school's "Yêu cầu báo cáo". This module fills them the way a few weeks of real use would
have, every step a service call at its moment on the seed's Timeline
(eoffice.demo.outgoing), interleaved in time with everything else:

- the district's admin makes a custom recipient group, «Cụm trường phía Bắc»;
- three công văn of the district, drafted with their report requests, checked, signed and
  delivered as any outgoing document (the recipients picked through the recipient groups:
  all schools, two levels, the custom group);
- *the past one* (student figures of the new school year, to every school): most schools
  answered on time, one late, one late with its spreadsheet only, one never (it has not
  even opened the document: the roll-up's worst school); one kindergarten was given more
  time for its spreadsheet and made it; one figure was returned for correction with the
  district's comment; the drafter reminded everyone the morning after the deadline;
- *the one due in a few days* (the school sports day plan, to primary and lower secondary
  schools): some schools answered, others not yet; in the afternoon of the previous
  working day the drafter sent a reminder;
- *the fresh one* (a digital transformation pilot, to the custom group): one plan in.

Schools read the directives (first readings), several acknowledge them ("Đã nhận, đã
triển khai" with a note), and some register their copy. Files answered are real XLSX and
DOCX files, made here (a few kilobytes each). Nothing here is slow: no extra key or PDF
beyond the three documents' signatures.
"""

from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from random import Random

from sqlalchemy import func, select

from eoffice.core.timeutil import local_today
from eoffice.demo import letters
from eoffice.demo.lifecycle import _add_working_days
from eoffice.demo.outgoing import Paper, Story, Timeline, Track, _context, _user
from eoffice.demo.planner import Member
from eoffice.directives import answers, groups, tracking
from eoffice.directives.inputs import RequestInput
from eoffice.directives.models import (
    AnswerForm,
    RecipientGroup,
    ReportRequest,
    ReportTask,
    TaskState,
)
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.orgs.models import Organisation, OrgKind
from eoffice.outgoing.drafting import DraftInput, RecipientInput
from eoffice.outgoing.models import Delivery, RecipientKind

RANDOM_SEED = 2026 + 7
GROUP_NAME = "Cụm trường phía Bắc"
GROUP_DESCRIPTION = (
    "Các trường trên địa bàn Phường 9 và Phường 12: sinh hoạt chuyên môn theo cụm, "
    "thí điểm chuyển đổi số."
)
GROUP_MEMBERS = ("MNHM", "THKĐ", "THNVH", "THCSKT")
WORST = "THLĐC"  # never answers the past directive: first in the roll-up

# Students (children) at the start of the school year, as each school reports them.
# THCS Bạch Đằng's matches its BÁO CÁO on the Cơ sở dữ liệu ngành (letters.BAO_CAO_CSDL).
STUDENTS = {
    "MNSC": 412,
    "MNHM": 356,
    "MN7A": 298,
    "THNTT": 1186,
    "THKĐ": 1423,
    "THLĐC": 965,
    "THNVH": 874,
    "THCSBĐ": 1032,
    "THCSCL": 1185,
    "THCSKT": 1268,
}
MISCOUNTED = ("THCSCL", 12)  # its spreadsheet counts 12 more than the figure it reported
GRADES = {
    OrgKind.KINDERGARTEN: (
        ("Nhà trẻ (24 - 36 tháng)", 0.14, 20),
        ("Mẫu giáo bé (3 - 4 tuổi)", 0.26, 25),
        ("Mẫu giáo nhỡ (4 - 5 tuổi)", 0.29, 30),
        ("Mẫu giáo lớn (5 - 6 tuổi)", 0.31, 32),
    ),
    OrgKind.PRIMARY: tuple((f"Khối {n}", 0.2, 35) for n in range(1, 6)),
    OrgKind.LOWER_SECONDARY: tuple((f"Khối {n}", 0.25, 42) for n in range(6, 10)),
}
ACK_NOTES = {
    "figures": "Đã triển khai đến các tổ chuyên môn; giao nhân viên văn phòng rà soát, "
    "chốt số liệu trên Cơ sở dữ liệu ngành.",
    "sports": "Đã thành lập Ban tổ chức Hội khỏe Phù Đổng cấp trường, phân công giáo viên "
    "thể dục và giáo viên chủ nhiệm phụ trách từng môn thi đấu.",
    "digital": "Đã triển khai trong cuộc họp Hội đồng sư phạm; giao Phó Hiệu trưởng phụ "
    "trách xây dựng kế hoạch chuyển đổi số của trường.",
}
EXTENSION_REASON = (
    "Trường đang tuyển sinh bổ sung nhóm trẻ 24 - 36 tháng, đề nghị gia hạn để cập nhật "
    "đủ số liệu vào biểu thống kê."
)
RETURN_COMMENT = (
    "Tổng số học sinh báo cáo ({reported}) chưa khớp với biểu thống kê gửi kèm "
    "({counted} học sinh). Đề nghị nhà trường rà soát, báo cáo lại số liệu chính xác."
)


@dataclass
class Directive:
    """A directive in the making: its paper (ids filled in as its steps run) and the
    track ending with its signature, from which each school's steps branch."""

    key: str
    paper: Paper
    signed: Track


class DirectiveStory:
    """Plans every directive step of the demo on the timeline (nothing runs here)."""

    def __init__(self, timeline: Timeline, members: list[Member], now: datetime):
        self.story = Story(timeline, members, now, full=False)
        self.rng = Random(RANDOM_SEED)
        self.district = members[0]
        self.by_short = {m.spec.short_name: m for m in members[1:]}
        self.group_id = 0
        self.phones: dict[int, str] = {}

    # Helpers ----------------------------------------------------------------------------

    def days_ago(self, count: int) -> date:
        return self.story.days_ago(count)

    def at(self, count: int, hour: int, minute: int) -> datetime:
        return self.story.moment(self.days_ago(count), hour, minute)

    def school(self, short: str) -> Member:
        return self.by_short[short]

    def _recipients(self, keys: Callable[[], list[str]]) -> Callable[[], list[RecipientInput]]:
        """The schools of the recipient groups at the moment of drafting (as the form's
        one-click groups pick them), plus the district's leaders for information."""

        def build() -> list[RecipientInput]:
            org = db.session.get(Organisation, self.district.org_id)
            assert org is not None
            ids = groups.members_of(org, keys())
            return [RecipientInput(RecipientKind.MEMBER, org_id=i) for i in ids] + [
                RecipientInput(RecipientKind.TEXT, name="Lãnh đạo Phòng GDĐT")
            ]

        return build

    def issue(
        self,
        key: str,
        letter: letters.Letter,
        *,
        write: int,
        sign: int,
        drafter: str,
        signer: str,
        keys: Callable[[], list[str]],
        requests: list[tuple[str, date, AnswerForm]],
        **extra: object,
    ) -> Directive:
        """Drafted with its requests one day, checked and signed `sign` days ago."""
        district = self.district
        write_day = self.days_ago(write)
        signer_id = self.story.person(district, signer)
        plain = self.story.draft_input(
            letter,
            lambda: _context(write_day, **extra),
            signer=signer_id,
            recipients=self._recipients(keys),
        )

        def build() -> DraftInput:
            values = _context(write_day)
            asked = [
                RequestInput(what.format_map(values), deadline, form.value)
                for what, deadline, form in requests
            ]
            return dataclasses.replace(plain(), requests=asked)

        paper = Paper(district.org_id, deadline=min(d for _, d, _ in requests))
        track = self.story.timeline.track(self.at(write, 8, 20))
        signed = self.story.review(
            paper,
            track,
            self.story.person(district, drafter),
            build,
            clerk=district.clerk_id,
            signer=signer_id,
            sign_at=self.at(sign, 9, 40),
        )
        return Directive(key, paper, signed)

    # Steps (run on the timeline) --------------------------------------------------------

    def _delivery(self, paper: Paper, member: Member) -> Delivery:
        return db.session.scalars(
            select(Delivery).where(
                Delivery.outgoing_id == paper.doc_id, Delivery.recipient_org_id == member.org_id
            )
        ).one()

    @staticmethod
    def _request(paper: Paper, position: int) -> ReportRequest:
        return db.session.scalars(
            select(ReportRequest).where(
                ReportRequest.outgoing_id == paper.doc_id, ReportRequest.position == position
            )
        ).one()

    def _task(self, paper: Paper, position: int, member: Member) -> int:
        request = self._request(paper, position)
        return db.session.scalars(
            select(ReportTask.id).where(
                ReportTask.request_id == request.id, ReportTask.recipient_org_id == member.org_id
            )
        ).one()

    def read(self, d: Directive, member: Member) -> None:
        answers.mark_read(_user(member.clerk_id), self._delivery(d.paper, member))

    def acknowledge(self, d: Directive, member: Member) -> None:
        delivery = self._delivery(d.paper, member)
        answers.acknowledge(_user(member.leader_id), delivery.id, ACK_NOTES[d.key])

    def answer(self, d: Directive, position: int, member: Member, **how: object) -> None:
        task_id = self._task(d.paper, position, member)
        answers.answer(_user(member.clerk_id), task_id, **how)  # type: ignore[arg-type]

    # The story ---------------------------------------------------------------------------

    def plan(self) -> None:
        self.timeline_add(self.at(24, 16, 10), self.make_group)
        self.student_figures()
        self.sports_day()
        self.digital_pilot()

    def timeline_add(self, moment: datetime, action: Callable[[], object]) -> None:
        if moment <= self.story.timeline.cutoff:
            self.story.timeline.add(moment, action)

    def make_group(self) -> None:
        admin = self.story.person(self.district, "quantri")
        created = groups.create_group(
            _user(admin),
            groups.GroupInput(
                name=GROUP_NAME,
                description=GROUP_DESCRIPTION,
                member_org_ids=[self.school(s).org_id for s in GROUP_MEMBERS],
            ),
        )
        self.group_id = created.id

    def student_figures(self) -> None:
        """The past directive: every fate of an answer, the worst school never answers."""
        due = self.days_ago(9)
        d = self.issue(
            "figures",
            letters.CONG_VAN_SO_LIEU_DAU_NAM,
            write=17,
            sign=16,
            drafter="chuyenvien.khtc",
            signer="photruongphong1",
            keys=lambda: [groups.ALL],
            requests=[
                (
                    "Tổng số học sinh (trẻ) của đơn vị tại thời điểm đầu năm học {nam_hoc}.",
                    due,
                    AnswerForm.FIGURE,
                ),
                (
                    "Biểu thống kê số lớp, số học sinh theo khối lớp (độ tuổi), giới tính, dân "
                    "tộc (tệp Excel theo mẫu).",
                    due,
                    AnswerForm.FILE,
                ),
            ],
            han=f"{due:%d/%m/%Y}",
        )
        drafter = self.story.person(self.district, "chuyenvien.khtc")
        deputy = self.story.person(self.district, "photruongphong1")
        # Each school: (registration, figure day, file day, acknowledged); days ago.
        fates = {
            "MNSC": ("04", 12, 12, True),
            "MNHM": ("03", 10, 6, False),  # its spreadsheet given more time
            "MN7A": ("04", 7, 7, False),  # both late
            "THNTT": ("04", 11, 11, True),
            "THKĐ": ("04", 9, 9, False),  # on the last day
            WORST: ("01", None, None, False),
            "THNVH": ("04", 10, 5, False),  # the spreadsheet late
            "THCSBĐ": ("04", 13, 13, True),
            "THCSCL": ("04", 10, 10, False),  # its figure returned
            "THCSKT": ("03", 12, 12, False),
        }
        for short, (status, figure_day, file_day, acked) in fates.items():
            school = self.school(short)
            self.story.receive(d.paper, d.signed, school, status)
            if figure_day is None:
                continue  # has not even opened it
            line = d.signed.branch()
            line.then(5, 90, lambda school=school: self.read(d, school))
            if acked:
                line.then(60, 600, lambda school=school: self.acknowledge(d, school))
            if short == "MNHM":
                line.at(
                    self.at(10, 15, 5),
                    lambda school=school: tracking.extend_deadline(
                        _user(deputy),
                        d.paper.doc_id,
                        self._request(d.paper, 2).id,
                        self.days_ago(5),
                        EXTENSION_REASON,
                        school_id=school.org_id,
                    ),
                )
            reported = STUDENTS[short]
            counted = reported + (MISCOUNTED[1] if short == MISCOUNTED[0] else 0)
            minute = self.rng.randrange(50)
            figure_hour = 16 if figure_day == 9 else self.rng.choice((8, 10, 14))
            line.at(
                self.at(figure_day, figure_hour, minute),
                lambda school=school, n=reported: self.answer(d, 1, school, figure=n),
            )
            line.at(
                self.at(file_day, figure_hour, minute + 6),
                lambda school=school, n=counted: self.answer(
                    d, 2, school, upload=self.statistics_file(school, n)
                ),
            )
            if short == MISCOUNTED[0]:
                comment = RETURN_COMMENT.format(
                    reported=answers.format_figure(Decimal(reported)),
                    counted=answers.format_figure(Decimal(counted)),
                )
                line.at(
                    self.at(8, 10, 15),
                    lambda school=school, comment=comment: tracking.return_answer(
                        _user(drafter), d.paper.doc_id, self._task(d.paper, 1, school), comment
                    ),
                )
        # The morning after the deadline, everyone who still owes something is reminded.
        d.signed.branch().at(
            self.at(8, 8, 30), lambda: tracking.remind(_user(drafter), d.paper.doc_id)
        )

    def sports_day(self) -> None:
        """Due in three working days: some plans in, the rest reminded the day before."""
        due = _add_working_days(self.story.today, 3)
        games = _add_working_days(due, 10)
        keys = [groups.level_key(OrgKind.PRIMARY), groups.level_key(OrgKind.LOWER_SECONDARY)]
        d = self.issue(
            "sports",
            letters.CONG_VAN_HOI_KHOE,
            write=7,
            sign=6,
            drafter="chuyenvien.phothong",
            signer="photruongphong2",
            keys=lambda: keys,
            requests=[
                (
                    "Kế hoạch tổ chức Hội khỏe Phù Đổng cấp trường năm học {nam_hoc} (tệp Word "
                    "hoặc PDF).",
                    due,
                    AnswerForm.FILE,
                ),
                (
                    "Họ tên, chức vụ, số điện thoại của cán bộ phụ trách Hội khỏe Phù Đổng của "
                    "trường.",
                    due,
                    AnswerForm.TEXT,
                ),
            ],
            han=f"{due:%d/%m/%Y}",
            hoi_khoe=f"{games:%d/%m/%Y}",
        )
        # (registration, plan day, contact day, read, acknowledged); days ago.
        fates = {
            "THKĐ": ("04", 3, 3, True, True),
            "THCSBĐ": ("03", 2, 2, True, True),
            "THNTT": ("03", None, 4, True, False),
            "THCSCL": ("03", 1, 1, True, False),
            "THNVH": ("01", None, None, True, False),
            "THCSKT": ("01", None, None, True, False),
            WORST: ("01", None, None, False, False),
        }
        for short, (status, plan_day, contact_day, read, acked) in fates.items():
            school = self.school(short)
            self.story.receive(d.paper, d.signed, school, status)
            line = d.signed.branch()
            if read:
                line.then(10, 300, lambda school=school: self.read(d, school))
            if acked:
                line.then(60, 400, lambda school=school: self.acknowledge(d, school))
            if contact_day is not None:
                line.at(
                    self.at(contact_day, 9, self.rng.randrange(50)),
                    lambda school=school: self.answer(d, 2, school, text=self.contact(school)),
                )
            if plan_day is not None:
                line.at(
                    self.at(plan_day, 10, self.rng.randrange(50)),
                    lambda school=school: self.answer(
                        d, 1, school, upload=self.plan_file(school, "sports")
                    ),
                )
        drafter = self.story.person(self.district, "chuyenvien.phothong")
        d.signed.branch().at(
            self.at(1, 15, 30), lambda: tracking.remind(_user(drafter), d.paper.doc_id)
        )

    def digital_pilot(self) -> None:
        """Sent three days ago to the custom group: one plan in, one acknowledgement."""
        due = _add_working_days(self.story.today, 8)
        d = self.issue(
            "digital",
            letters.CONG_VAN_CHUYEN_DOI_SO,
            write=4,
            sign=3,
            drafter="quantri",
            signer="truongphong",
            keys=lambda: [groups.custom_key(self.group_id)],
            requests=[
                (
                    "Kế hoạch chuyển đổi số của đơn vị năm học {nam_hoc} (tệp Word hoặc PDF).",
                    due,
                    AnswerForm.FILE,
                ),
            ],
            han=f"{due:%d/%m/%Y}",
        )
        self.story.receive(d.paper, d.signed, self.school("THCSKT"), "03")
        for short in ("MNHM", "THKĐ", "THCSKT"):
            school = self.school(short)
            line = d.signed.branch().then(20, 400, lambda school=school: self.read(d, school))
            if short == "THCSKT":
                line.at(self.at(2, 14, 10), lambda school=school: self.acknowledge(d, school))
            if short == "THKĐ":
                line.at(
                    self.at(1, 10, 45),
                    lambda school=school: self.answer(
                        d, 1, school, upload=self.plan_file(school, "digital")
                    ),
                )

    # Files and words the schools hand in -------------------------------------------------

    def contact(self, school: Member) -> str:
        deputy = self.story.person(school, "phohieutruong")
        person = _user(deputy)
        phone = self.phones.setdefault(
            school.org_id,
            f"09{self.rng.randrange(10, 99)} {self.rng.randrange(100, 999)} "
            f"{self.rng.randrange(100, 999)}",
        )
        return f"{person.full_name}, {person.title or 'Phó Hiệu trưởng'}, điện thoại {phone}."

    def statistics_file(self, school: Member, total: int) -> Upload:
        """The spreadsheet of classes and students by grade, as a school fills the form."""
        from openpyxl import Workbook
        from openpyxl.styles import Font

        rows = _split(Random(f"{RANDOM_SEED}:{school.spec.short_name}"), school.kind, total)
        year = _context(local_today())["nam_hoc"]
        wb = Workbook()
        ws = wb.active
        ws.title = "Thống kê"
        ws.append([school.spec.name.upper()])
        ws.append([f"BIỂU THỐNG KÊ SỐ LỚP, SỐ HỌC SINH ĐẦU NĂM HỌC {year}"])
        ws.append([])
        header = ["Khối lớp (độ tuổi)", "Số lớp", "Số học sinh", "Nữ", "Dân tộc thiểu số"]
        ws.append(header)
        for label, classes, students, girls, minority in rows:
            ws.append([label, classes, students, girls, minority])
        totals = [sum(r[i] for r in rows) for i in range(1, 5)]
        ws.append(["Tổng cộng", *totals])
        for cell in (ws["A1"], ws["A2"], *ws[4], *ws[ws.max_row]):
            cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 28
        out = io.BytesIO()
        wb.save(out)
        return Upload(
            f"Biểu thống kê học sinh đầu năm - {school.spec.short_name}.xlsx", out.getvalue()
        )

    def plan_file(self, school: Member, key: str) -> Upload:
        """A school's plan as a short Word document."""
        from docx import Document

        year = _context(local_today())["nam_hoc"]
        title, items = PLANS[key]
        doc = Document()
        doc.add_paragraph(school.spec.name.upper())
        doc.add_heading(title.format(nam_hoc=year).upper(), level=1)
        for item in items:
            doc.add_paragraph(item.format(school=school.spec.name, nam_hoc=year))
        out = io.BytesIO()
        doc.save(out)
        name = title.format(nam_hoc=year).split(" năm học")[0]
        return Upload(f"{name} - {school.spec.short_name}.docx", out.getvalue())


PLANS = {
    "sports": (
        "Kế hoạch tổ chức Hội khỏe Phù Đổng cấp trường năm học {nam_hoc}",
        (
            "I. MỤC ĐÍCH, YÊU CẦU: đẩy mạnh phong trào rèn luyện thân thể trong học sinh; "
            "chọn vận động viên tham dự Hội khỏe Phù Đổng cấp quận.",
            "II. NỘI DUNG: thi đấu các môn điền kinh, cờ vua, bóng đá mini và kéo co theo "
            "khối lớp; lễ khai mạc vào buổi chào cờ đầu tuần.",
            "III. TỔ CHỨC THỰC HIỆN: Ban tổ chức do Hiệu trưởng làm Trưởng ban; giáo viên "
            "thể dục phụ trách chuyên môn; giáo viên chủ nhiệm đăng ký vận động viên của lớp.",
        ),
    ),
    "digital": (
        "Kế hoạch chuyển đổi số năm học {nam_hoc}",
        (
            "I. MỤC TIÊU: sử dụng học bạ số, sổ điểm điện tử và hồ sơ chuyên môn điện tử "
            "tại {school} từ học kỳ II năm học {nam_hoc}.",
            "II. LỘ TRÌNH: rà soát hạ tầng, thiết bị (tháng thứ nhất); bồi dưỡng giáo viên "
            "(tháng thứ hai); vận hành thí điểm ở hai khối lớp, đánh giá và nhân rộng.",
            "III. PHÂN CÔNG: Phó Hiệu trưởng phụ trách chung; giáo viên Tin học làm đầu mối "
            "kỹ thuật; tổ trưởng chuyên môn kiểm tra hồ sơ điện tử của tổ.",
        ),
    ),
}


def _split(rng: Random, kind: str, total: int) -> list[tuple[str, int, int, int, int]]:
    """`total` students over the grades of a school of `kind`: (grade, classes,
    students, girls, minority), the students summing to `total`."""
    grades = GRADES[OrgKind(kind)]
    weights = [share * rng.uniform(0.9, 1.1) for _, share, _ in grades]
    counts = [int(total * w / sum(weights)) for w in weights]
    counts[-1] += total - sum(counts)
    rows = []
    for (label, _, size), n in zip(grades, counts, strict=True):
        girls = round(n * rng.uniform(0.46, 0.52))
        rows.append((label, max(1, math.ceil(n / size)), n, girls, rng.randrange(0, 4)))
    return rows


def plan(timeline: Timeline, members: list[Member], now: datetime) -> None:
    """Every directive step of the demo, dated, on the seed's timeline."""
    DirectiveStory(timeline, members, now).plan()


# --- What the seed reports ------------------------------------------------------------------


@dataclass
class DirectivesSummary:
    directives: int
    requests: int
    tasks: int
    answered: int
    late: int
    overdue: int  # still owed, deadline passed (returned ones included)
    groups: int

    def report(self) -> list[str]:
        return [
            f"Chỉ đạo và yêu cầu báo cáo: {self.directives} văn bản của Phòng GDĐT với "
            f"{self.requests} yêu cầu báo cáo ({self.tasks} lượt các trường phải trả lời: "
            f"{self.answered} đã trả lời, trong đó {self.late} trễ hạn; {self.overdue} quá hạn "
            f"chưa nộp), {self.groups} nhóm nơi nhận riêng «{GROUP_NAME}» (xem menu Báo cáo "
            "và trang Tổng hợp trễ hạn báo cáo)."
        ]


def summary() -> DirectivesSummary:
    today = local_today()

    def count(stmt) -> int:
        return db.session.scalar(stmt) or 0

    waiting = ReportTask.state.in_((TaskState.OPEN.value, TaskState.RETURNED.value))
    return DirectivesSummary(
        directives=count(select(func.count(func.distinct(ReportRequest.outgoing_id)))),
        requests=count(select(func.count(ReportRequest.id))),
        tasks=count(select(func.count(ReportTask.id))),
        answered=count(
            select(func.count(ReportTask.id)).where(ReportTask.state == TaskState.ANSWERED.value)
        ),
        late=count(
            select(func.count(ReportTask.id)).where(
                ReportTask.state == TaskState.ANSWERED.value, ReportTask.late.is_(True)
            )
        ),
        overdue=count(
            select(func.count(ReportTask.id)).where(waiting, ReportTask.deadline < today)
        ),
        groups=count(select(func.count(RecipientGroup.id))),
    )
