"""A corpus of documents with tricky Vietnamese for the search tests, and its loader.

`load_corpus()` builds the same organisations, people and documents through the
services in whatever app context is active, in a fixed order and at fixed moments (the
clock is replaced while it runs), so two databases loaded with it hold the same rows
under the same ids. Each document has a key; `Corpus.keys_of` turns search hits back
into keys, so tests state what they expect by name.

The texts are chosen so that words collide once folded (đa / da / đá / đã, bàn / bán /
bạn / ban), carry stacked diacritics (Nguyễn, Trường, việc, quyết), arrive in upper
case or typed as NFD, and sit inside symbols (3337/GDĐT-TTTT, 12/KH-UBND) and
punctuation. Two organisations hold the same subjects, secret documents and documents
given to one member of staff test what each user may see.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from eoffice.core import timeutil
from eoffice.extensions import db
from eoffice.incoming import processing
from eoffice.incoming.involvement import Party
from eoffice.jobs.connection import runner
from eoffice.orgs.models import OrgKind, User
from eoffice.orgs.services import create_unit
from eoffice.outgoing import drafting, issuing, review
from eoffice.outgoing.drafting import DraftInput, RecipientInput
from tests import factories

# The first document arrives on Tuesday 01/09/2026 at 08:00 office time; each next one
# some hours later (with microseconds, as real clocks have), unless it shares the moment
# of the one before (`same_time`): ties are broken by kind, then id.
START = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)
STEP = timedelta(hours=5, minutes=17, seconds=13, microseconds=250_000)

UBND = "Ủy ban nhân dân Quận Thử"
SO = "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh"
BO = "Bộ Giáo dục và Đào tạo"
PHONG = "Phòng Giáo dục và Đào tạo Quận Thử"
CONG_AN = "Công an Quận Thử"


@dataclass(frozen=True)
class In:
    """An incoming document, registered by the clerk of `org`."""

    key: str
    subject: str
    symbol: str = ""
    sender: str = SO
    doc_type: str = "Công văn"
    signer: str | None = "Hồ Minh Tâm"
    urgency: str = "normal"
    secrecy: str = "normal"
    to: str | None = None  # "unit" (Tổ Văn phòng), "staff", or None
    notes: str | None = None
    lead: str | None = None  # "it": presented, then given to the IT teacher to lead
    started: bool = False  # the lead took it up
    org: str = "district"
    same_time: bool = False

    kind = "in"


@dataclass(frozen=True)
class Out:
    """An outgoing document of `org` drafted by `drafter` (a role there, or "it"), taken
    to `stage`: "draft", "review" (submitted) or "issued" (approved by the clerk and
    signed by the head; the district office only, the one equipped for signing)."""

    key: str
    subject: str
    body: str = "Đề nghị các đơn vị triển khai thực hiện."
    doc_type: str = "Kế hoạch"
    symbol_unit: str | None = None
    stage: str = "issued"
    drafter: str = "staff"
    urgency: str = "normal"
    secrecy: str = "normal"
    to_schools: tuple[str, ...] = ("school_a",)
    org: str = "district"
    same_time: bool = False

    kind = "out"


NFD_SUBJECT = unicodedata.normalize("NFD", "Quyết định thành lập hội đồng tuyển sinh lớp 6")

DOCUMENTS: tuple[In | Out, ...] = (
    # --- Quyết định in every spelling ------------------------------------------------
    In(
        "qd_dieu_dong",
        "Quyết định về việc điều động giáo viên năm học 2026 - 2027",
        "125/QĐ-UBND",
        UBND,
        "Quyết định",
        signer="Nguyễn Văn Trường",
    ),
    In(
        "qd_upper",
        "QUYẾT ĐỊNH BỔ NHIỆM HIỆU TRƯỞNG TRƯỜNG TIỂU HỌC NGUYỄN TRÃI",
        "126/QĐ-UBND",
        UBND,
        "Quyết định",
        urgency="urgent",
    ),
    In(
        "qd_ascii",
        "Quyet dinh khong dau ve viec khen thuong giao vien",
        "127/QD-UBND",
        UBND,
        "Quyết định",
    ),
    In(
        "qd_partial",
        "Quyết đinh thiếu dấu về thi đua khen thưởng",
        "128/QĐ-UBND",
        UBND,
        "Quyết định",
    ),
    In("qd_nfd", NFD_SUBJECT, "129/QĐ-UBND", UBND, "Quyết định"),
    # --- symbols and numbers ----------------------------------------------------------
    In("kh_12", "Kế hoạch tuyển sinh năm học 2026 - 2027", "12/KH-UBND", UBND, "Kế hoạch"),
    In(
        "hd_3337",
        "Hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học 2026 - 2027",
        "3337/GDĐT-TTTT",
        SO,
        "Hướng dẫn",
        signer="Nguyễn Văn Hiếu",
    ),
    In(
        "nv_3338",
        "Nhiệm vụ trọng tâm và hướng dẫn thực hiện chuyển đổi số",
        "3338/GDĐT-TTTT",
        SO,
        "Công văn",
    ),
    In(
        "bc_so_lieu",
        "Báo cáo số liệu thống kê 2025-2026 (mẫu 01/BC)",
        "01/BC-SGDĐT",
        SO,
        "Báo cáo",
        urgency="very_urgent",
    ),
    In(
        "tb_punct",
        "Về việc: tổ chức “Ngày hội đọc sách” (đợt 2) — hạn chót 30/10/2026!!!",
        "45/TB-PGDĐT",
        SO,
        "Thông báo",
    ),
    In(
        "qd_1234",
        "Quyết định 1234/QĐ-BGDĐT ban hành chương trình giáo dục phổ thông",
        "1234/QĐ-BGDĐT",
        BO,
        "Quyết định",
        signer="Phạm Ngọc Thưởng",
    ),
    # --- words that collide once folded --------------------------------------------
    In("da_da", "Đa dạng hóa hoạt động trải nghiệm cho học sinh", "51/SGDĐT-GDTH"),
    In("da_bong", "Tổ chức giải bóng đá học sinh tiểu học cấp quận", "52/SGDĐT-CTTT"),
    In("da_lieu", "Khám da liễu định kỳ cho học sinh", "53/SGDĐT-CTTT"),
    In("da_roi", "Tổng kết các việc đã làm trong tháng 9", "54/SGDĐT-VP", same_time=True),
    In("ban_giao", "Bàn giao hồ sơ lưu trữ năm 2025", "61/SGDĐT-VP"),
    In("ban_tru", "Tổ chức bán trú cho học sinh tiểu học", "62/SGDĐT-GDTH"),
    In(
        "ban_be",
        "Thư gửi các bạn đồng nghiệp nhân ngày Nhà giáo Việt Nam 20/11",
        "63/SGDĐT-CĐ",
        doc_type="Thư công",
    ),
    In("ban_chi_dao", "BAN CHỈ ĐẠO PHỔ CẬP GIÁO DỤC QUẬN", "64/UBND-PCGD", UBND),
    # --- phrases -----------------------------------------------------------------------
    In("lich_vp", "Lịch công tác tuần của tổ văn phòng", "71/PGDĐT-VP", PHONG, to="unit"),
    In(
        "moi_giao_ban",
        "Giấy mời họp giao ban tháng 9",
        "72/GM-UBND",
        UBND,
        "Giấy mời",
        urgency="urgent",
    ),
    In(
        "moi_tong_ket",
        "Giấy mời dự hội nghị tổng kết năm học",
        "73/GM-UBND",
        UBND,
        "Giấy mời",
        same_time=True,
    ),
    In(
        "nghi_tet",
        "Thông báo lịch nghỉ Tết Nguyên đán",
        "74/TB-UBND",
        UBND,
        "Thông báo",
        notes="Chuyển Tổ Văn phòng lưu; liên hệ ông Phạm Quốc Việt",
    ),
    # --- what each person sees -------------------------------------------------------
    In(
        "mat_nhan_su",
        "Báo cáo nhân sự tối mật tháng 9",
        "81/BC-CA",
        CONG_AN,
        "Báo cáo",
        secrecy="secret",
    ),
    In(
        "mat_thanh_tra",
        "Hồ sơ thanh tra mật gửi chuyên viên",
        "82/TTr-UBND",
        UBND,
        secrecy="confidential",
        to="staff",
    ),
    In("ra_soat", "Rà soát thiết bị dạy học trực tuyến", "83/SGDĐT-KHTC", lead="it"),
    In(
        "mat_dieu_tra",
        "Điều tra vụ việc mật tại trường",
        "84/CA-ANCS",
        CONG_AN,
        secrecy="secret",
        lead="it",
    ),
    In(
        "phan_mem",
        "Triển khai phần mềm quản lý trường học",
        "85/SGDĐT-CNTT",
        lead="it",
        started=True,
    ),
    # --- urgency, types --------------------------------------------------------------
    In(
        "hoa_toc_bao",
        "Hỏa tốc: phòng chống bão số 5",
        "91/CĐ-UBND",
        UBND,
        "Công điện",
        urgency="flash",
    ),
    In(
        "mua_lon",
        "Công điện về ứng phó mưa lớn, ngập úng",
        "92/CĐ-UBND",
        UBND,
        "Công điện",
        urgency="very_urgent",
    ),
    In(
        "nguyen_hoa",
        "Danh sách giáo viên dạy giỏi cấp quận",
        "93/SGDĐT-TCCB",
        signer="Nguyễn Thị Hoa",
    ),
    In("co_so", "Kiểm tra cơ sở vật chất các trường mầm non", "94/SGDĐT-KHTC"),
    In(
        "quyet_toan",
        "Quyết toán kinh phí năm 2025 và dự toán năm 2026",
        "95/STC-QLNS",
        "Sở Tài chính Thành phố Hồ Chí Minh",
        "Công văn",
    ),
    In("ngay_le", "Treo cờ Tổ quốc nhân ngày Quốc khánh 2/9", "96/UBND-VP", UBND),
    In(
        "dong_phuc",
        "ĐỒNG PHỤC HỌC SINH NĂM HỌC MỚI",
        "97/PGDĐT-GDTH",
        PHONG,
        to="unit",
    ),
    In("khong_dau", "Tap huan giao vien ve chuyen doi so", "98/SGDDT-GDTrH"),
    # --- outgoing documents of the district office ----------------------------------
    Out(
        "o_ke_hoach",
        "Kế hoạch ứng dụng công nghệ thông tin năm học 2026 - 2027",
        "Triển khai đồng bộ các phần mềm quản lý trong toàn quận.",
        to_schools=("school_a", "school_b"),
    ),
    Out(
        "o_ra_soat",
        "Về việc rà soát thiết bị dạy học",
        "Các trường báo cáo số lượng thiết bị trước ngày 30/10/2026.",
        "Công văn",
        symbol_unit="TTTT",
    ),
    Out(
        "o_qd_hsg",
        "Quyết định công nhận học sinh giỏi cấp quận",
        "Công nhận danh sách học sinh giỏi kèm theo quyết định này.",
        "Quyết định",
        urgency="urgent",
    ),
    Out(
        "o_mat",
        "Báo cáo mật về công tác bảo vệ chính trị nội bộ",
        "Nội dung mật, không phổ biến.",
        "Báo cáo",
        drafter="it",
        secrecy="secret",
    ),
    Out(
        "o_du_thao_staff",
        "Dự thảo quy chế làm việc của phòng",
        "Quy chế gồm 5 chương 20 điều.",
        "Quy chế",
        stage="draft",
    ),
    Out(
        "o_du_thao_clerk",
        "Dự thảo thông báo tuyển dụng viên chức",
        "Tuyển dụng 15 viên chức giáo dục.",
        "Thông báo",
        stage="draft",
        drafter="clerk",
    ),
    Out(
        "o_to_trinh",
        "Tờ trình đề nghị khen thưởng tập thể lao động xuất sắc",
        "Kính trình Ủy ban nhân dân Quận Thử xem xét.",
        "Tờ trình",
        stage="review",
    ),
    Out(
        "o_cv_tttt",
        "Về việc triển khai chữ ký số trong trường học",
        "Thực hiện Công văn 3337/GDĐT-TTTT của Sở.",
        "Công văn",
        symbol_unit="TTTT",
        same_time=False,
    ),
    In(
        "in_tie_out",
        "Hướng dẫn kiểm định chất lượng giáo dục",
        "99/SGDĐT-KTKĐ",
    ),
    Out(
        "o_tie_in",
        "Kế hoạch kiểm định chất lượng giáo dục trường học",
        "Tự đánh giá và đánh giá ngoài theo hướng dẫn.",
        same_time=True,
    ),
    Out(
        "o_quyet_dinh_ascii",
        "Quyet dinh thanh lap to cong tac chuyen doi so",
        "To cong tac gom 7 thanh vien.",
        "Quyết định",
    ),
    Out(
        "o_viec_upper",
        "VỀ VIỆC TỔ CHỨC HỘI THI GIÁO VIÊN CHỦ NHIỆM GIỎI",
        "Hội thi tổ chức vào tháng 11/2026.",
        "Công văn",
        symbol_unit="GDTH",
        urgency="very_urgent",
    ),
    # --- other organisations: the same words, never shown to the district ----------
    In(
        "a_dieu_dong",
        "Quyết định về việc điều động giáo viên năm học 2026 - 2027",
        "125/QĐ-UBND",
        UBND,
        "Quyết định",
        org="school_a",
    ),
    In(
        "a_mat",
        "Kế hoạch kiểm tra nội bộ trường học tối mật",
        "11/KH-THLL",
        PHONG,
        "Kế hoạch",
        secrecy="secret",
        org="school_a",
    ),
    In(
        "a_tkb",
        "Thời khóa biểu học kỳ I năm học 2026 - 2027",
        "12/KH-UBND",
        PHONG,
        to="unit",
        org="school_a",
    ),
    In(
        "a_da_bong",
        "Giải bóng đá thiếu niên nhi đồng",
        "13/PGDĐT-CTHSSV",
        PHONG,
        to="staff",
        org="school_a",
    ),
    In(
        "b_dieu_dong",
        "QUYẾT ĐỊNH VỀ VIỆC ĐIỀU ĐỘNG GIÁO VIÊN",
        "125/QĐ-UBND",
        UBND,
        "Quyết định",
        org="school_b",
    ),
    In(
        "b_3337",
        "Công văn 3337/GDĐT-TTTT về chuyển đổi số",
        "3337/GDĐT-TTTT",
        SO,
        org="school_b",
    ),
    In(
        "b_ban",
        "Bàn giao cơ sở vật chất năm học mới",
        "15/PGDĐT-KHTC",
        PHONG,
        org="school_b",
    ),
)


def _more_documents() -> tuple[In | Out, ...]:
    """Filler of every type and urgency, so pages run long and filters have work."""
    topics = (
        ("Kế hoạch", "Kế hoạch bồi dưỡng thường xuyên giáo viên đợt {n}"),
        ("Báo cáo", "Báo cáo sơ kết học kỳ I trường số {n}"),
        ("Thông báo", "Thông báo kết luận của Trưởng phòng tại cuộc họp số {n}"),
        ("Công văn", "Về việc tăng cường quản lý dạy thêm, học thêm lần {n}"),
        ("Giấy mời", "Giấy mời tập huấn phần mềm quản lý trường học khóa {n}"),
    )
    urgencies = ("normal", "urgent", "normal", "very_urgent", "normal", "flash")
    docs: list[In | Out] = []
    for n in range(1, 21):
        doc_type, subject = topics[n % len(topics)]
        docs.append(
            In(
                f"filler_{n:02d}",
                subject.format(n=n),
                f"{200 + n}/SGDĐT-VP",
                SO if n % 3 else UBND,
                doc_type,
                urgency=urgencies[n % len(urgencies)],
                to="unit" if n % 4 == 0 else None,
                same_time=n % 7 == 0,
            )
        )
        if n % 5 == 0:
            docs.append(
                Out(
                    f"o_filler_{n:02d}",
                    f"Kế hoạch kiểm tra chuyên đề số {n}",
                    f"Kiểm tra chuyên đề tại các trường, đợt {n}.",
                    stage=("issued", "review", "draft")[n % 3],
                    same_time=n == 10,
                )
            )
    return tuple(docs)


# Texts on which the two databases are known to disagree (see the parity tests marked
# KNOWN DIVERGENCE). They belong to a fourth organisation, so no other test sees them.
LONG_POSITION_BODY = "Nội dung " + "chung " * 16_400 + "kết luận cuối cùng của hội nghị"
LONG_REPEAT_BODY = "báo cáo " * 300 + "báo cáo tổng hợp cuối năm"
DIVERGENT: tuple[In | Out, ...] = (
    In(
        "c_m2",
        "Sửa chữa phòng học diện tích 120 m² tại điểm trường chính",
        "21/KH-THCS",
        PHONG,
        org="school_c",
    ),
    In(
        "c_diem_m",
        "Áp dụng điểm m khoản 2 Điều 5 của quy chế chi tiêu nội bộ",
        "22/QC-THCS",
        PHONG,
        org="school_c",
    ),
    In("c_km2", "Khu đất rộng 2 km² dành cho trường", "23/UBND-TNMT", UBND, org="school_c"),
    In("c_km", "Quãng đường 3 km từ nhà đến trường", "24/UBND-QLĐT", UBND, org="school_c"),
    In("c_circled", "Phụ lục ① danh mục thiết bị", "25/SGDĐT-KHTC", org="school_c"),
    Out(
        "c_long_position",
        "Biên bản hội nghị viên chức",
        LONG_POSITION_BODY,
        "Biên bản",
        stage="draft",
        org="school_c",
        to_schools=(),
    ),
    Out(
        "c_long_repeat",
        "Báo cáo tổng hợp",
        LONG_REPEAT_BODY,
        "Báo cáo",
        stage="draft",
        org="school_c",
        to_schools=(),
    ),
)

ALL_DOCUMENTS: tuple[In | Out, ...] = DOCUMENTS + _more_documents() + DIVERGENT
ORG_NAMES = ("district", "school_a", "school_b", "school_c")


@dataclass
class Corpus:
    """What `load_corpus` built: people and organisations by name, documents by key."""

    user_ids: dict[str, int]
    org_ids: dict[str, int]
    ids: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (kind, id)
    moments: dict[str, datetime] = field(default_factory=dict)

    def user(self, name: str) -> User:
        """The user in the session of the app context now active."""
        return db.session.get(User, self.user_ids[name])

    def keys_of(self, hits) -> list[str]:
        by_id = {value: key for key, value in self.ids.items()}
        return [by_id[(hit.kind.value, hit.document.id)] for hit in hits]


@contextmanager
def fixed_clock(moment: datetime) -> Iterator[None]:
    timeutil.set_clock(lambda: moment)
    try:
        yield
    finally:
        timeutil.set_clock(None)


def _people(world: factories.World) -> dict[str, User]:
    """Users by "org.role"; the district gets an IT unit with a teacher, "it", in it."""
    district = world.district
    it_unit = create_unit(district.org.id, "Tổ Tin học", "TH")
    it_teacher = factories.make_user(
        district.org, "tinhoc@pgdthu.hcm.edu.vn", ["staff"], "Đặng Thị Tin", it_unit, "Giáo viên"
    )
    db.session.commit()
    users = {"it": it_teacher}
    for org_name in ORG_NAMES:
        school = _school(world, org_name)
        for role in ("clerk", "leader", "staff", "admin"):
            users[f"{org_name}.{role}"] = getattr(school, role)
    return users


def _school(world: factories.World, name: str) -> factories.School:
    return world.extra[name] if name in world.extra else getattr(world, name)


def _register(doc: In, world: factories.World, users: dict[str, User]) -> int:
    school = _school(world, doc.org)
    created = factories.register(
        school.clerk,
        subject=doc.subject,
        symbol=doc.symbol,
        sender_name=doc.sender,
        document_type_id=factories.type_id(doc.doc_type),
        document_date=date(2026, 8, 28),
        signer_name=doc.signer,
        urgency_code=doc.urgency,
        confidentiality_code=doc.secrecy,
        recipient_unit_id=school.unit.id if doc.to == "unit" else None,
        recipient_user_id=school.staff.id if doc.to == "staff" else None,
        notes=doc.notes,
    )
    if doc.lead:
        processing.present(school.clerk, created.id, presented_to=school.leader.id)
        processing.assign(school.leader, created.id, Party(user_id=users[doc.lead].id))
        if doc.started:
            processing.start(users[doc.lead], created.id)
    return created.id


def _draft(doc: Out, world: factories.World, users: dict[str, User]) -> int:
    office = _school(world, doc.org)
    drafter = users[doc.drafter] if doc.drafter in users else getattr(office, doc.drafter)
    recipients = [RecipientInput("member", org_id=_school(world, s).org.id) for s in doc.to_schools]
    data = DraftInput(
        document_type_id=factories.type_id(doc.doc_type),
        subject=doc.subject,
        body_text=doc.body,
        symbol_unit=doc.symbol_unit,
        signer_id=office.leader.id,
        urgency_code=doc.urgency,
        confidentiality_code=doc.secrecy,
        recipients=[*recipients, RecipientInput("text", name="Như trên")],
    )
    created = drafting.create_draft(drafter, data)
    if doc.stage in ("review", "issued"):
        review.submit(drafter, created.id)
    if doc.stage == "issued":
        review.approve(office.clerk, created.id)
        issuing.sign(office.leader, created.id)
    return created.id


def load_corpus(test_ca, documents: tuple[In | Out, ...] = ALL_DOCUMENTS) -> Corpus:
    """Build the world and every document, through the services, at fixed moments."""
    with fixed_clock(START - timedelta(days=2)):
        world = factories.build_world()
        world.extra["school_c"] = factories.make_school(
            "Trường THCS Nguyễn Du",
            OrgKind.LOWER_SECONDARY,
            "THCSND",
            "003.01.31.H29",
            "thcsnguyendu.hcm.edu.vn",
        )
        db.session.commit()
        users = _people(world)
        factories.equip_for_signing(world.district, test_ca)
    corpus = Corpus(
        user_ids={name: user.id for name, user in users.items()},
        org_ids={name: _school(world, name).org.id for name in ORG_NAMES},
    )
    moment = START
    for index, doc in enumerate(documents):
        if index and not doc.same_time:
            moment += STEP
        with fixed_clock(moment):
            if isinstance(doc, In):
                doc_id = _register(doc, world, users)
            else:
                doc_id = _draft(doc, world, users)
        corpus.ids[doc.key] = (doc.kind, doc_id)
        corpus.moments[doc.key] = moment
    # Publishing (PDF, signatures) and e-mails are not what is tested: drop the jobs so
    # no later test's worker runs them against another database.
    runner().connection.flushall()
    return corpus


def strip_tones(text: str) -> str:
    """The text without its tone marks, the vowel shapes kept ("quyết" → "quyêt")."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))


def subjects_words(documents: tuple[In | Out, ...] = DOCUMENTS) -> list[list[str]]:
    """The subjects of the corpus (NFC) as lists of words, punctuation kept on them."""
    return [unicodedata.normalize("NFC", doc.subject).split() for doc in documents]
