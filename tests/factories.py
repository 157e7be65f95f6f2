"""Test data built through the same services users go through."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from eoffice.catalog.models import DocumentType
from eoffice.extensions import db
from eoffice.incoming.attachments import Upload
from eoffice.incoming.services import IncomingInput, register_incoming
from eoffice.orgs.models import Organisation, OrgKind, Unit, User
from eoffice.orgs.services import OrganisationData, create_unit, create_user, save_organisation
from eoffice.outgoing.drafting import DraftInput, RecipientInput

PASSWORD = "MatKhau-Thu-2026"


@dataclass
class School:
    org: Organisation
    unit: Unit
    clerk: User
    leader: User
    staff: User
    admin: User


@dataclass
class World:
    district: School
    school_a: School
    school_b: School
    extra: dict = field(default_factory=dict)


def make_org(name: str, kind: str, short: str, code: str | None, domain: str) -> Organisation:
    return save_organisation(
        OrganisationData(
            name=name,
            kind=kind,
            short_name=short,
            agency_code=code,
            email=f"vanthu@{domain}",
            is_member=True,
        )
    )


def make_user(
    org: Organisation,
    email: str,
    roles: list[str],
    name: str,
    unit: Unit | None = None,
    title: str | None = None,
) -> User:
    return create_user(
        org_id=org.id,
        email=email,
        full_name=name,
        password=PASSWORD,
        roles=roles,
        unit_id=unit.id if unit else None,
        title=title,
    )


def make_school(name: str, kind: str, short: str, code: str, domain: str) -> School:
    org = make_org(name, kind, short, code, domain)
    unit = create_unit(org.id, "Tổ Văn phòng", "VP")
    school = School(
        org=org,
        unit=unit,
        clerk=make_user(org, f"vanthu@{domain}", ["clerk"], "Nguyễn Thị Văn Thư", unit, "Văn thư"),
        leader=make_user(
            org, f"hieutruong@{domain}", ["leader"], "Trần Văn Lãnh Đạo", None, "Hiệu trưởng"
        ),
        staff=make_user(
            org, f"giaovien@{domain}", ["staff"], "Lê Thị Giáo Viên", unit, "Giáo viên"
        ),
        admin=make_user(org, f"quantri@{domain}", ["admin"], "Phạm Quản Trị", unit, "Quản trị"),
    )
    return school


def build_world() -> World:
    district = make_school(
        "Phòng Giáo dục và Đào tạo Quận Thử",
        OrgKind.DISTRICT_OFFICE,
        "GDĐT",
        "000.01.31.H29",
        "pgdthu.hcm.edu.vn",
    )
    school_a = make_school(
        "Trường Tiểu học Lê Lợi", OrgKind.PRIMARY, "THLL", "001.01.31.H29", "thleloi.hcm.edu.vn"
    )
    school_b = make_school(
        "Trường THCS Bạch Đằng",
        OrgKind.LOWER_SECONDARY,
        "THCSBĐ",
        "002.01.31.H29",
        "thcsbachdang.hcm.edu.vn",
    )
    db.session.commit()
    return World(district=district, school_a=school_a, school_b=school_b)


def world_ids(world: World) -> dict[str, dict[str, int]]:
    """The ids of a world's offices, units and people, to find them again."""
    return {
        name: {part: getattr(school, part).id for part in School.__dataclass_fields__}
        for name, school in (
            ("district", world.district),
            ("school_a", world.school_a),
            ("school_b", world.school_b),
        )
    }


def world_from_ids(ids: dict[str, dict[str, int]]) -> World:
    """The world whose rows are in the database, loaded by the ids `world_ids` gave:
    one query per kind of row, not one per row."""
    kinds = {"org": Organisation, "unit": Unit}
    wanted: dict[type, set[int]] = {}
    for parts in ids.values():
        for part, row_id in parts.items():
            wanted.setdefault(kinds.get(part, User), set()).add(row_id)
    loaded = {
        (model, row.id): row
        for model, row_ids in wanted.items()
        for row in db.session.scalars(select(model).where(model.id.in_(row_ids)))
    }

    def school(parts: dict[str, int]) -> School:
        return School(**{p: loaded[(kinds.get(p, User), i)] for p, i in parts.items()})

    return World(
        district=school(ids["district"]),
        school_a=school(ids["school_a"]),
        school_b=school(ids["school_b"]),
    )


def type_id(name: str = "Công văn") -> int:
    return db.session.scalars(select(DocumentType.id).where(DocumentType.name == name)).one()


def incoming_input(**overrides) -> IncomingInput:
    values = {
        "sender_name": "Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
        "symbol": "3337/GDĐT-TTTT",
        "document_date": date(2026, 9, 19),
        "document_type_id": type_id(),
        "subject": "Hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học 2026 - 2027",
        "signer_name": "Nguyễn Văn Hiếu",
        "signer_position": "Phó Giám đốc",
        "page_count": 3,
    }
    values.update(overrides)
    return IncomingInput(**values)


def register(clerk: User, uploads: list[Upload] | None = None, **overrides):
    return register_incoming(
        clerk, incoming_input(**overrides), uploads or [], confirm_duplicate=True
    )


def pdf_bytes(text: str = "Văn bản thử") -> bytes:
    """A small valid one-page PDF, made by pypdf."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": text})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def docx_bytes(text: str = "Nội dung văn bản") -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def login(client, user: User, password: str = PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def outgoing_plan(world, *schools, **overrides) -> DraftInput:
    """A KẾ HOẠCH of the district office to the given schools, signed by its head."""
    values = dict(
        document_type_id=type_id("Kế hoạch"),
        subject="Kế hoạch ứng dụng công nghệ thông tin năm học 2026 - 2027",
        body_text="I. MỤC ĐÍCH, YÊU CẦU\n\nTriển khai đồng bộ các phần mềm quản lý.\n\n"
        "II. NHIỆM VỤ\n\n- Trước 04/10/2026: gửi kế hoạch của đơn vị;\n"
        "- Trước 30/10/2026: báo cáo.",
        signer_id=world.district.leader.id,
        recipients=[RecipientInput("member", org_id=s.org.id) for s in schools]
        + [RecipientInput("text", name="Lãnh đạo Phòng")],
    )
    values.update(overrides)
    return DraftInput(**values)


PASSWORD_P12 = "mat-khau-chung-thu"


def equip_for_signing(office: School, test_ca) -> None:
    """The test CA trusted, and the office's head and the office itself given their
    certificates (with signature and seal images), as an admin uploads them."""
    from eoffice.signing import services as signing
    from eoffice.signing.certificates import issue_identity
    from eoffice.signing.stamps import seal_png, signature_png

    signing.register_trust_anchor("CA thử nghiệm", test_ca.certificate_pem)
    signing.upload_certificate(
        office.admin,
        office.leader,
        issue_identity(test_ca, office.leader.full_name, password=PASSWORD_P12.encode()),
        PASSWORD_P12,
        signature_png(office.leader.full_name),
    )
    signing.upload_certificate(
        office.admin,
        office.org,
        issue_identity(
            test_ca, office.org.name, organisation=office.org.name, password=PASSWORD_P12.encode()
        ),
        PASSWORD_P12,
        seal_png(office.org.name),
    )
