"""edXML packets (QCVN 102:2016): round trips, every refusal, hostile XML."""

from __future__ import annotations

import base64
import tracemalloc
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eoffice.exchange.edxml import (
    LIMITS,
    STATUS_CODES,
    Attachment,
    Business,
    BusinessDocType,
    CodeTables,
    DocumentPacket,
    DocumentType,
    Organisation,
    PacketRefused,
    Receiver,
    Replacement,
    ResponseFor,
    Signer,
    StaffInfo,
    StatusPacket,
    TraceHeader,
    UpdateInfo,
    _safe_parser,
    build_document,
    build_status,
    parse_document,
    parse_packet,
    parse_status,
)

SENDER = Organisation("000.00.00.H29", "Sở Giáo dục và Đào tạo TP. Hồ Chí Minh")
SCHOOL = Organisation("001.02.03.H29", "Trường THCS Lê Quý Đôn", email="thcs@hcm.edu.vn")
WHEN = datetime(2024, 3, 5, 1, 2, 3, tzinfo=UTC)


def a_document(**changes) -> DocumentPacket:
    packet = DocumentPacket(
        document_id="000.00.00.H29,2024/03/05,125/SGDĐT-VP",
        from_=SENDER,
        to=(SCHOOL,),
        code_number="125",
        code_notation="SGDĐT-VP",
        promulgation_place="Thành phố Hồ Chí Minh",
        promulgation_date=date(2024, 3, 5),
        document_type=DocumentType(18, "Công văn"),
        subject="Về việc tổ chức kiểm tra học kỳ II",
        signer=Signer("Phó Giám đốc", "Nguyễn Văn Hùng", "KT. GIÁM ĐỐC"),
        content="Đề nghị các trường triển khai.",
        due_date=date(2024, 3, 20),
        to_places=("Như trên", "Lưu: VT, VP"),
        priority=1,
        trace_headers=(TraceHeader("000.00.00.H29", WHEN),),
        attachments=(Attachment("vb125", "cong-van-125.pdf", "application/pdf", b"%PDF-1.7"),),
    )
    return replace(packet, **changes)


def a_status(**changes) -> StatusPacket:
    packet = StatusPacket(
        document_id="000.00.00.H29,2024/03/05,125/SGDĐT-VP",
        from_=SCHOOL,
        to=SENDER,
        status_code="03",
        timestamp=WHEN,
        staff=StaffInfo("Văn thư", "Trần Thị Lan", "0901234567"),
        code="125/SGDĐT-VP",
        promulgation_date=date(2024, 3, 5),
    )
    return replace(packet, **changes)


def refused(call, *args, **kwargs) -> PacketRefused:
    with pytest.raises(PacketRefused) as info:
        call(*args, **kwargs)
    assert info.value.message and info.value.field
    return info.value


# --------------------------------------------------------------------------- strategies

# Precomposed letters, bare letters with the Vietnamese combining marks (Unikey's
# decomposed mode), digits and punctuation: NFC is what both sides must agree on.
VN_LETTERS = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ"
    "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
)
COMBINING = "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b"
ALPHABET = VN_LETTERS + COMBINING + "0123456789 .,;:-/()“”"


def vn_text(max_size: int, min_size: int = 1) -> st.SearchStrategy[str]:
    return (
        st.text(alphabet=ALPHABET, min_size=min_size, max_size=max_size)
        .map(lambda s: unicodedata.normalize("NFC", s))
        .filter(lambda s: s.strip() and len(s) <= max_size)
    )


organ_ids = st.from_regex(r"\A[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}\Z")
dates = st.dates(min_value=date(1900, 1, 2), max_value=date(2100, 12, 30))
offsets = st.integers(-12, 14).map(lambda h: timezone(timedelta(hours=h)))
moments = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30), timezones=offsets
).map(lambda d: d.replace(microsecond=0))
optional = st.none() | vn_text(20)


@st.composite
def organisations(draw, organ_id=organ_ids):
    return Organisation(
        organ_id=draw(organ_id),
        organ_name=draw(vn_text(60)),
        organization_in_charge=draw(optional),
        organ_add=draw(optional),
        email=draw(st.none() | st.just("vanthu@hcm.edu.vn")),
        telephone=draw(st.none() | st.from_regex(r"\A[0-9]{8,11}\Z")),
    )


@st.composite
def businesses(draw):
    kind = draw(st.sampled_from(list(BusinessDocType)))
    update, replacements = None, ()
    if kind == BusinessDocType.UPDATE:
        receivers = draw(st.lists(st.builds(Receiver, st.integers(0, 3), organ_ids), max_size=3))
        update = UpdateInfo(draw(st.booleans()), draw(st.booleans()), tuple(receivers))
    if kind == BusinessDocType.REPLACE:
        replacements = tuple(
            draw(
                st.lists(
                    st.builds(Replacement, vn_text(40), st.lists(organ_ids, max_size=3)),
                    min_size=1,
                    max_size=2,
                )
            )
        )
    return Business(
        doc_type=kind,
        reason=draw(vn_text(80)) if kind != BusinessDocType.NEW else draw(optional),
        document_id=draw(optional),
        paper=draw(st.booleans()),
        staff=draw(st.none() | st.builds(StaffInfo, vn_text(30), vn_text(30))),
        update=update,
        replacements=replacements,
    )


@st.composite
def attachments(draw):
    cids = draw(st.lists(st.from_regex(r"\A[a-z0-9]{1,12}\Z"), unique=True, max_size=3))
    return tuple(
        Attachment(
            content_id=cid,
            name=draw(vn_text(40)) + ".pdf",
            mime=draw(st.sampled_from(["application/pdf", "image/png", "text/plain"])),
            data=draw(st.binary(max_size=600)),
            description=draw(optional),
        )
        for cid in cids
    )


def _organ_id(org: Organisation) -> str:
    return org.organ_id


@st.composite
def documents(draw):
    table = CodeTables()
    code = draw(st.sampled_from(sorted(table.document_types)))
    return DocumentPacket(
        document_id=draw(vn_text(60)),
        from_=draw(organisations()),
        to=tuple(draw(st.lists(organisations(), min_size=1, max_size=3, unique_by=_organ_id))),
        code_number=draw(st.from_regex(r"\A[0-9]{1,11}\Z")),
        code_notation=draw(vn_text(LIMITS["CodeNotation"])),
        promulgation_place=draw(vn_text(40)),
        promulgation_date=draw(dates),
        document_type=DocumentType(code, table.document_types[code]),
        subject=draw(vn_text(LIMITS["Subject"])),
        signer=Signer(draw(vn_text(40)), draw(vn_text(40)), draw(optional)),
        content=draw(st.none() | vn_text(200)),
        due_date=draw(st.none() | dates),
        to_places=tuple(draw(st.lists(vn_text(60), max_size=4))),
        priority=draw(st.sampled_from(sorted(table.priorities))),
        steering_type=draw(st.integers(0, 3)),
        sphere_of_promulgation=draw(optional),
        typer_notation=draw(optional),
        promulgation_amount=draw(st.none() | st.integers(0, 500)),
        page_amount=draw(st.none() | st.integers(0, 500)),
        appendixes=tuple(draw(st.lists(vn_text(50), max_size=2))),
        response_for=tuple(
            draw(
                st.lists(
                    st.builds(ResponseFor, organ_ids, vn_text(30), dates, vn_text(50)),
                    max_size=2,
                )
            )
        ),
        business=draw(businesses()),
        trace_headers=tuple(draw(st.lists(st.builds(TraceHeader, organ_ids, moments), max_size=3))),
        attachments=draw(attachments()),
    )


@st.composite
def statuses(draw):
    code = draw(st.sampled_from(sorted(STATUS_CODES)))
    return StatusPacket(
        document_id=draw(vn_text(60)),
        from_=draw(organisations()),
        to=draw(organisations()),
        status_code=code,
        timestamp=draw(moments),
        description=draw(vn_text(200)) if code in {"02", "16"} else draw(st.none() | vn_text(200)),
        staff=draw(st.none() | st.builds(StaffInfo, vn_text(30), vn_text(30), optional, optional)),
        code=draw(optional),
        promulgation_date=draw(st.none() | dates),
    )


FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- round trips


@FAST
@given(documents())
def test_a_document_packet_survives_build_and_parse(packet):
    data = build_document(packet)
    assert parse_document(data) == packet
    assert parse_packet(data) == packet


@FAST
@given(statuses())
def test_a_status_packet_survives_build_and_parse(packet):
    data = build_status(packet)
    assert parse_status(data) == packet
    assert parse_packet(data) == packet


def test_decomposed_vietnamese_is_read_as_nfc():
    decomposed = unicodedata.normalize("NFD", "Về việc tổ chức kiểm tra")
    data = build_document(a_document()).replace(
        "Về việc tổ chức kiểm tra".encode(), decomposed.encode()
    )
    assert parse_document(data).subject.startswith(unicodedata.normalize("NFC", decomposed))


def test_parse_packet_tells_documents_from_statuses():
    assert isinstance(parse_packet(build_document(a_document())), DocumentPacket)
    assert isinstance(parse_packet(build_status(a_status())), StatusPacket)


def test_plain_tuples_are_accepted_for_lists_of_records():
    packet = a_document(
        to=[("001.02.03.H29", "Trường THCS Lê Quý Đôn", None, None, "thcs@hcm.edu.vn")],
        attachments=[("vb125", "cong-van-125.pdf", "application/pdf", b"%PDF-1.7")],
        trace_headers=[("000.00.00.H29", WHEN)],
    )
    assert packet == a_document()


def test_times_travel_as_vietnamese_wall_clock_time():
    data = build_document(a_document())
    assert b"<edXML:Timestamp>2024/03/05 08:02:03</edXML:Timestamp>" in data
    assert b"<edXML:PromulgationDate>2024/03/05</edXML:PromulgationDate>" in data


def test_attachments_are_base64_referenced_by_cid():
    data = build_document(a_document())
    assert b'xlink:href="cid:vb125"' in data
    assert base64.b64encode(b"%PDF-1.7") in data


def test_wrapped_base64_is_accepted():
    blob = Attachment("x", "a.bin", "application/octet-stream", bytes(range(200)))
    data = build_document(a_document(attachments=(blob,)))
    encoded = base64.b64encode(bytes(range(200)))
    wrapped = b"\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    assert parse_document(data.replace(encoded, wrapped)).attachments[0].data == bytes(range(200))


def test_status_14_of_one_sdk_sample_is_read_as_15():
    data = build_status(a_status(status_code="15"))
    parsed = parse_status(data.replace(b">15<", b">14<"))
    assert parsed.status_code == "15"
    with pytest.raises(PacketRefused):
        build_status(a_status(status_code="14"))


def test_a_status_without_to_is_addressed_to_the_issuer():
    data = build_status(a_status())
    start = data.index(b"<edXML:To>")
    end = data.index(b"</edXML:To>") + len(b"</edXML:To>")
    parsed = parse_status(data[:start] + data[end:])
    assert parsed.to.organ_id == SENDER.organ_id


# --------------------------------------------------------------------------- refusals


def test_no_recipient_is_refused_when_building_and_parsing():
    assert refused(build_document, a_document(to=())).field == "To"
    data = build_document(a_document())
    start = data.index(b"<edXML:To>")
    end = data.index(b"</edXML:To>") + len(b"</edXML:To>")
    error = refused(parse_document, data[:start] + data[end:])
    assert error.field == "To"
    assert "nơi nhận" in error.message


def test_a_recipient_twice_is_refused():
    assert refused(build_document, a_document(to=(SCHOOL, SCHOOL))).field == "To[2]/OrganId"


@pytest.mark.parametrize(
    "code", ["000.00.00.h29", "00.00.00.H29", "000.00.00.H2", "０00.00.00.H29", ""]
)
def test_a_malformed_agency_code_is_refused(code):
    error = refused(build_document, a_document(from_=Organisation(code, "Cơ quan")))
    assert error.field == "From/OrganId"
    data = build_document(a_document()).replace(b"001.02.03.H29", code.encode())
    assert refused(parse_document, data).field == "To[1]/OrganId"


def test_the_agency_code_pattern_can_be_configured():
    odd = a_document(from_=Organisation("G22", "Văn phòng Chính phủ"))
    refused(build_document, odd)
    pattern = r"^([A-Z]\d{2}|\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2})$"
    data = build_document(odd, agency_code_pattern=pattern)
    assert parse_document(data, agency_code_pattern=pattern) == odd


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "x" * (LIMITS["Subject"] + 1)}, "Subject"),
        ({"content": "x" * (LIMITS["Content"] + 1)}, "Content"),
        ({"code_number": "1" * (LIMITS["CodeNumber"] + 1)}, "Code/CodeNumber"),
        ({"code_notation": "Q" * (LIMITS["CodeNotation"] + 1)}, "Code/CodeNotation"),
        ({"to_places": ("n" * (LIMITS["ToPlace"] + 1),)}, "ToPlaces/Place[1]"),
        ({"to_places": ("n" * 150,) * 7}, "ToPlaces"),
        (
            {"attachments": (Attachment("a", "t" * 201, "application/pdf", b""),)},
            "Attachment[1]/AttachmentName",
        ),
        ({"from_": Organisation("000.00.00.H29", "T" * 201)}, "From/OrganName"),
    ],
)
def test_over_long_fields_are_refused(changes, field):
    error = refused(build_document, a_document(**changes))
    assert error.field == field
    assert "vượt quá" in error.message


def test_an_over_long_subject_is_refused_when_parsing():
    data = build_document(a_document()).replace(
        "Về việc tổ chức kiểm tra học kỳ II".encode(), ("ư" * 501).encode()
    )
    assert refused(parse_document, data).field == "Subject"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "  "}, "Subject"),
        ({"code_number": ""}, "Code/CodeNumber"),
        ({"subject": "Trích yếu\x01"}, "Subject"),
        ({"document_type": DocumentType(77, "Loại lạ")}, "DocumentType/Type"),
        ({"priority": 9}, "OtherInfo/Priority"),
        ({"promulgation_date": date(1800, 1, 1)}, "PromulgationDate"),
        (
            {"trace_headers": (TraceHeader("000.00.00.H29", datetime(2024, 1, 1)),)},
            "TraceHeader[1]/Timestamp",
        ),
        ({"business": Business(doc_type=4)}, "Bussiness/BussinessDocType"),
        ({"business": Business(doc_type=BusinessDocType.RECALL)}, "Bussiness/BussinessDocReason"),
        (
            {"business": Business(doc_type=BusinessDocType.UPDATE, reason="Sửa trích yếu")},
            "Bussiness/BussinessDocumentInfo",
        ),
        (
            {"business": Business(doc_type=BusinessDocType.REPLACE, reason="Thay thế")},
            "Bussiness/ReplacementInfoList",
        ),
        (
            {"business": Business(replacements=(Replacement("x"),))},
            "Bussiness/ReplacementInfoList",
        ),
        (
            {"attachments": (Attachment("a b", "x.pdf", "application/pdf", b""),)},
            "Attachment[1]/ContentId",
        ),
        (
            {"attachments": (Attachment("a", "x.pdf", "pdf", b""),)},
            "Attachment[1]/ContentType",
        ),
        (
            {"attachments": (Attachment("a", "x.pdf", "application/pdf", b""),) * 2},
            "Attachment[2]/ContentId",
        ),
    ],
)
def test_invalid_documents_are_refused_before_sending(changes, field):
    assert refused(build_document, a_document(**changes)).field == field


def test_code_tables_are_data_that_can_be_overridden():
    tables = CodeTables.from_dict(
        {"document_types": {"77": "Loại riêng"}, "priorities": {"9": "Đặc biệt"}}
    )
    packet = a_document(document_type=DocumentType(77, "Loại riêng"), priority=9)
    data = build_document(packet, code_tables=tables)
    assert parse_document(data, code_tables=tables) == packet
    assert refused(parse_document, data).field == "DocumentType/Type"
    strict = CodeTables.from_dict({"steering_types": {0: "Thường"}})
    error = refused(build_document, a_document(steering_type=2), code_tables=strict)
    assert error.field == "SteeringType"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (b"2024/03/05</edXML:Prom", b"2024-03-05</edXML:Prom", "PromulgationDate"),
        (b"2024/03/05</edXML:Prom", b"2024/02/30</edXML:Prom", "PromulgationDate"),
        (b"2024/03/20", b"20/03/2024", "DueDate"),
        (b"2024/03/05 08:02:03", b"2024/03/05T08:02:03", "TraceHeader[1]/Timestamp"),
        (b"2024/03/05 08:02:03", b"2024/03/05 25:02:03", "TraceHeader[1]/Timestamp"),
        (
            b"<edXML:Type>18</edXML:Type>",
            "<edXML:Type>mười tám</edXML:Type>".encode(),
            "DocumentType/Type",
        ),
        (b"BussinessDocType>0<", b"BussinessDocType>5<", "Bussiness/BussinessDocType"),
        (b"<edXML:Subject>", b"<edXML:Subject><edXML:b/>", "Subject"),
        (b"JVBERi0xLjc=", b"JVBERi0x@Lj=c", "Attachment[1]/ContentTransferEncoded"),
        (b"JVBERi0xLjc=", b"JVBERi0xLjc", "Attachment[1]/ContentTransferEncoded"),
        (b'href="cid:vb125"', b'href="http://evil/vb125"', "Reference[1]/href"),
        (b'href="cid:vb125"', b'href="cid:other"', "Reference[1]/href"),
    ],
)
def test_malformed_packets_are_refused_when_parsing(old, new, field):
    data = build_document(a_document())
    assert old in data
    assert refused(parse_document, data.replace(old, new, 1)).field == field


def test_an_attachment_referenced_but_missing_is_refused():
    data = build_document(a_document())
    start = data.index(b"<edXML:AttachmentEncoded>")
    end = data.index(b"</edXML:AttachmentEncoded>") + len(b"</edXML:AttachmentEncoded>")
    error = refused(parse_document, data[:start] + data[end:])
    assert error.field == "Reference[1]/href"
    assert "không có trong gói tin" in error.message


def test_an_attachment_not_in_the_manifest_is_refused():
    data = build_document(a_document())
    start = data.index(b"<edXML:Reference ")
    end = data.index(b"</edXML:Reference>") + len(b"</edXML:Reference>")
    assert refused(parse_document, data[:start] + data[end:]).field == "AttachmentEncoded"


@pytest.mark.parametrize("code", ["07", "1", "", "99", "00"])
def test_an_unknown_status_code_is_refused(code):
    assert refused(build_status, a_status(status_code=code)).field == "StatusCode"
    data = build_status(a_status()).replace(b">03<", f">{code}<".encode())
    assert refused(parse_status, data).field == "StatusCode"


@pytest.mark.parametrize("code", ["02", "16"])
@pytest.mark.parametrize("description", [None, "", "   "])
def test_a_rejection_needs_a_reason(code, description):
    error = refused(build_status, a_status(status_code=code, description=description))
    assert error.field == "Description"
    assert "lý do" in error.message
    data = build_status(a_status(status_code="05")).replace(b">05<", f">{code}<".encode())
    assert refused(parse_status, data).field == "Description"


def test_a_status_timestamp_must_be_well_formed_and_aware():
    assert refused(build_status, a_status(timestamp=datetime(2024, 1, 1))).field == "Timestamp"
    data = build_status(a_status()).replace(b"2024/03/05 08:02:03", b"05/03/2024 08:02")
    assert refused(parse_status, data).field == "Timestamp"


def test_a_packet_of_neither_kind_is_refused():
    data = build_status(a_status()).replace(b"MessageStatus", b"SomethingElse")
    assert refused(parse_packet, data).field == "edXMLHeader"
    assert refused(parse_document, build_status(a_status())).field == "MessageHeader"
    assert refused(parse_packet, b"<edXML/>").field == "edXMLEnvelope"
    assert refused(parse_packet, b"<other/>").field == "edXML"
    assert refused(parse_packet, b"not xml at all").field == "edXML"


# --------------------------------------------------------------------------- hostile XML

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader>
<MessageStatus><Description>&xxe;</Description></MessageStatus></edXMLHeader></edXMLEnvelope></edXML>"""

LAUGHS = (
    b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol">"""
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
        for i in range(1, 10)
    )
    + b"""]><edXML><x>&lol9;</x></edXML>"""
)


@pytest.mark.parametrize(
    "data", [XXE, LAUGHS, b'<!DOCTYPE edXML SYSTEM "http://evil.example/x.dtd"><edXML/>']
)
def test_any_doctype_is_refused(data):
    error = refused(parse_packet, data)
    assert "DOCTYPE" in error.message
    assert "root:" not in error.message


def test_the_parser_itself_never_reads_external_entities_nor_expands_laughs():
    # Defence in depth: were the DOCTYPE check ever bypassed, the parser still would
    # neither read the file nor expand the entities.
    from lxml import etree

    root = etree.fromstring(XXE, _safe_parser())
    assert "root:" not in etree.tostring(root, encoding="unicode")
    try:
        laughs = etree.fromstring(LAUGHS, _safe_parser())
    except etree.XMLSyntaxError as exc:  # libxml2's amplification guard
        assert "amplification" in str(exc)
    else:
        assert len(etree.tostring(laughs)) < 10_000


def test_an_undeclared_entity_is_refused():
    data = build_document(a_document()).replace("Lưu: VT, VP".encode(), b"&lol;")
    assert refused(parse_document, data).field == "edXML"


def test_utf16_is_refused():
    data = build_document(a_document()).decode().replace("UTF-8", "UTF-16").encode("utf-16")
    assert "UTF-8" in refused(parse_packet, data).message


def test_a_100_mb_packet_is_refused_by_its_length_without_being_read():
    big = b"<edXML>" + b" " * (100 * 1024 * 1024) + b"</edXML>"
    tracemalloc.start()
    try:
        error = refused(parse_packet, big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "vượt quá giới hạn" in error.message
    assert peak < 1024 * 1024  # no copy, no parse of the 100 MB


def test_the_size_cap_is_a_parameter():
    data = build_document(a_document())
    assert parse_document(data, max_bytes=len(data)) == a_document()
    assert refused(parse_document, data, max_bytes=len(data) - 1).field == "edXML"
