"""The demo world as data: Phòng GDĐT Quận 3, its schools, their people and their senders.

Every name of a person, address, phone number and agency code here is INVENTED. The
schools are named in the style of District 3 schools, and the agency codes follow the
QCVN 102:2016 shape NNN.NN.NN.XNN, but none of them is an official identifier, and the
officials who "sign" the demo documents are generated names, not real office holders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eoffice.orgs.models import OrgKind, Role

D = OrgKind.DISTRICT_OFFICE.value
K = OrgKind.KINDERGARTEN.value
P = OrgKind.PRIMARY.value
L = OrgKind.LOWER_SECONDARY.value
ONLY_DISTRICT = frozenset({D})
ALL_SCHOOLS = frozenset({K, P, L})
PRIMARY_AND_SECONDARY = frozenset({P, L})
EVERYONE = frozenset({D, K, P, L})

# Topics steer a document to the unit that handles it: vp (general affairs), mn (pre-school),
# pt (primary and lower secondary teaching), kt (inspection, tests), cntt (IT, digital
# transformation), tccb (staff), tc (finance), ctt (pupils' activities), yte (health).


# --- Members: the district office and its schools ----------------------------------------


@dataclass(frozen=True)
class MemberSpec:
    name: str
    kind: str
    short_name: str
    agency_code: str  # invented
    domain: str
    ward: str
    address: str  # invented
    phone: str  # invented


DISTRICT = MemberSpec(
    name="Phòng Giáo dục và Đào tạo Quận 3",
    kind=D,
    short_name="GDĐT",
    agency_code="000.31.31.H29",
    domain="pgdq3.hcm.edu.vn",
    ward="Phường Võ Thị Sáu",
    address="Số 185 Cách Mạng Tháng Tám, Phường Võ Thị Sáu, Quận 3",
    phone="028 3930 1174",
)

SCHOOLS: tuple[MemberSpec, ...] = (
    MemberSpec(
        "Trường Mầm non Sơn Ca",
        K,
        "MNSC",
        "001.31.31.H29",
        "mnsoncaq3.hcm.edu.vn",
        "Phường 2",
        "Số 42 Trần Quốc Thảo, Phường 2, Quận 3",
        "028 3932 0511",
    ),
    MemberSpec(
        "Trường Mầm non Họa Mi",
        K,
        "MNHM",
        "002.31.31.H29",
        "mnhoamiq3.hcm.edu.vn",
        "Phường 9",
        "Số 18 Kỳ Đồng, Phường 9, Quận 3",
        "028 3931 6820",
    ),
    MemberSpec(
        "Trường Mầm non 7A",
        K,
        "MN7A",
        "003.31.31.H29",
        "mn7aq3.hcm.edu.vn",
        "Phường Võ Thị Sáu",
        "Số 7 Tú Xương, Phường Võ Thị Sáu, Quận 3",
        "028 3930 4415",
    ),
    MemberSpec(
        "Trường Tiểu học Nguyễn Thanh Tuyền",
        P,
        "THNTT",
        "004.31.31.H29",
        "thnguyenthanhtuyen.hcm.edu.vn",
        "Phường 2",
        "Số 96 Trần Văn Đang, Phường 2, Quận 3",
        "028 3843 7729",
    ),
    MemberSpec(
        "Trường Tiểu học Kỳ Đồng",
        P,
        "THKĐ",
        "005.31.31.H29",
        "thkydong.hcm.edu.vn",
        "Phường 9",
        "Số 25 Kỳ Đồng, Phường 9, Quận 3",
        "028 3931 8906",
    ),
    MemberSpec(
        "Trường Tiểu học Lương Định Của",
        P,
        "THLĐC",
        "006.31.31.H29",
        "thluongdinhcua.hcm.edu.vn",
        "Phường Võ Thị Sáu",
        "Số 133 Lý Chính Thắng, Phường Võ Thị Sáu, Quận 3",
        "028 3848 2237",
    ),
    MemberSpec(
        "Trường Tiểu học Nguyễn Việt Hồng",
        P,
        "THNVH",
        "007.31.31.H29",
        "thnguyenviethong.hcm.edu.vn",
        "Phường 12",
        "Số 57 Rạch Bùng Binh, Phường 12, Quận 3",
        "028 3846 5103",
    ),
    MemberSpec(
        "Trường THCS Bạch Đằng",
        L,
        "THCSBĐ",
        "008.31.31.H29",
        "thcsbachdang.hcm.edu.vn",
        "Phường 2",
        "Số 385 Nguyễn Đình Chiểu, Phường 2, Quận 3",
        "028 3833 2584",
    ),
    MemberSpec(
        "Trường THCS Colette",
        L,
        "THCSCL",
        "009.31.31.H29",
        "thcscolette.hcm.edu.vn",
        "Phường Võ Thị Sáu",
        "Số 10 Nguyễn Thị Minh Khai, Phường Võ Thị Sáu, Quận 3",
        "028 3829 0136",
    ),
    MemberSpec(
        "Trường THCS Kiến Thiết",
        L,
        "THCSKT",
        "010.31.31.H29",
        "thcskienthiet.hcm.edu.vn",
        "Phường 12",
        "Số 221 Trần Quang Diệu, Phường 12, Quận 3",
        "028 3846 9052",
    ),
)


@dataclass(frozen=True)
class UnitSpec:
    name: str
    short_name: str
    topics: frozenset[str] = frozenset()


DISTRICT_UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("Văn phòng", "VP", frozenset({"vp", "ctt", "yte"})),
    UnitSpec("Tổ Tổ chức cán bộ", "TCCB", frozenset({"tccb"})),
    UnitSpec("Tổ Phổ thông", "PT", frozenset({"pt", "kt"})),
    UnitSpec("Tổ Mầm non", "MN", frozenset({"mn"})),
    UnitSpec("Tổ Công nghệ thông tin", "CNTT", frozenset({"cntt"})),
    UnitSpec("Tổ Kế hoạch - Tài chính", "KHTC", frozenset({"tc"})),
)

# In schools the office takes administration; teaching topics go to a professional group.
SCHOOL_OFFICE = UnitSpec("Tổ Văn phòng", "VP", frozenset({"vp", "tccb", "tc", "yte", "ctt"}))
SCHOOL_UNITS: dict[str, tuple[UnitSpec, ...]] = {
    K: (
        SCHOOL_OFFICE,
        UnitSpec("Tổ Nhà trẻ", "NT"),
        UnitSpec("Tổ Mầm", "MAM"),
        UnitSpec("Tổ Chồi", "CHOI"),
        UnitSpec("Tổ Lá", "LA"),
    ),
    P: (
        SCHOOL_OFFICE,
        *(UnitSpec(f"Tổ Khối {grade}", f"K{grade}") for grade in range(1, 6)),
        UnitSpec("Tổ Bộ môn", "BM", frozenset({"cntt"})),
    ),
    L: (
        SCHOOL_OFFICE,
        UnitSpec("Tổ Toán", "TOAN"),
        UnitSpec("Tổ Ngữ văn", "NV"),
        UnitSpec("Tổ Ngoại ngữ", "NN"),
        UnitSpec("Tổ Khoa học tự nhiên", "KHTN"),
        UnitSpec("Tổ Lịch sử và Địa lý", "LSĐL"),
        UnitSpec("Tổ Tin học - Công nghệ", "THCN", frozenset({"cntt"})),
        UnitSpec("Tổ Giáo dục thể chất - Nghệ thuật", "GDTCNT"),
    ),
}


@dataclass(frozen=True)
class PersonSpec:
    """One demo login; the e-mail is <login>@<organisation domain>."""

    login: str
    role: str
    title: str
    unit: str | None  # unit name, None for the head of the organisation
    female_share: float = 0.5


DISTRICT_PEOPLE: tuple[PersonSpec, ...] = (
    PersonSpec("quantri", Role.ADMIN, "Chuyên viên", "Tổ Công nghệ thông tin", 0.3),
    PersonSpec("vanthu", Role.CLERK, "Văn thư", "Văn phòng", 0.9),
    PersonSpec("truongphong", Role.LEADER, "Trưởng phòng", None, 0.4),
    PersonSpec("photruongphong1", Role.DEPUTY, "Phó Trưởng phòng", None, 0.5),
    PersonSpec("photruongphong2", Role.DEPUTY, "Phó Trưởng phòng", None, 0.6),
    PersonSpec("chuyenvien.mamnon", Role.STAFF, "Chuyên viên", "Tổ Mầm non", 1.0),
    PersonSpec("chuyenvien.phothong", Role.STAFF, "Chuyên viên", "Tổ Phổ thông", 0.6),
    PersonSpec("chuyenvien.tccb", Role.STAFF, "Chuyên viên", "Tổ Tổ chức cán bộ", 0.6),
    PersonSpec("chuyenvien.khtc", Role.STAFF, "Chuyên viên", "Tổ Kế hoạch - Tài chính", 0.7),
)


def _school_people(admin_title: str, teachers: tuple[tuple[str, str], ...], female: float):
    return (
        PersonSpec("quantri", Role.ADMIN, admin_title, "Tổ Văn phòng", 0.5),
        PersonSpec("vanthu", Role.CLERK, "Nhân viên văn thư", "Tổ Văn phòng", 0.9),
        PersonSpec("hieutruong", Role.LEADER, "Hiệu trưởng", None, female),
        PersonSpec("phohieutruong", Role.DEPUTY, "Phó Hiệu trưởng", None, female),
        *(PersonSpec(login, Role.STAFF, "Giáo viên", unit, female) for login, unit in teachers),
    )


SCHOOL_PEOPLE: dict[str, tuple[PersonSpec, ...]] = {
    K: _school_people(
        "Nhân viên văn phòng", (("giaovien.la", "Tổ Lá"), ("giaovien.choi", "Tổ Chồi")), 1.0
    ),
    P: _school_people(
        "Giáo viên Tin học", (("giaovien.khoi1", "Tổ Khối 1"), ("giaovien.khoi5", "Tổ Khối 5")), 0.8
    ),
    L: _school_people(
        "Giáo viên Tin học", (("giaovien.toan", "Tổ Toán"), ("giaovien.nguvan", "Tổ Ngữ văn")), 0.7
    ),
}


# --- Vietnamese names ----------------------------------------------------------------------

SURNAMES = (
    ("Nguyễn", 30),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 6),
    ("Huỳnh", 5),
    ("Võ", 5),
    ("Phan", 4),
    ("Trương", 3),
    ("Đặng", 3),
    ("Bùi", 2),
    ("Đỗ", 2),
    ("Hồ", 2),
    ("Ngô", 2),
    ("Dương", 2),
    ("Lý", 1),
    ("Lâm", 1),
    ("Mai", 1),
    ("Châu", 1),
    ("Đinh", 1),
    ("Tô", 1),
)
MIDDLE_MALE = ("Văn", "Minh", "Hoàng", "Quốc", "Thanh", "Đức", "Hữu", "Công", "Tấn", "Ngọc")
MIDDLE_FEMALE = ("Thị", "Ngọc", "Thanh", "Thu", "Mỹ", "Kim", "Hồng", "Phương", "Bích", "Thùy")
GIVEN_MALE = (
    "Hùng", "Dũng", "Tuấn", "Phong", "Khoa", "Long", "Nam", "Sơn", "Tài", "Thắng",
    "Trí", "Vinh", "Hải", "Bình", "Quang", "Hiếu", "Lộc", "Phúc", "Toàn", "Nhân",
)  # fmt: skip
GIVEN_FEMALE = (
    "Lan", "Hương", "Mai", "Hạnh", "Hằng", "Ngọc", "Thảo", "Trang", "Vy", "Linh",
    "Yến", "Dung", "Tâm", "Nhung", "Hoa", "Thủy", "Loan", "Diễm", "Uyên", "Quyên",
)  # fmt: skip


# --- What senders write ----------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One kind of document a sender issues; planner.fill() explains the placeholders."""

    type_name: str
    text: str
    topic: str = "vp"
    audience: frozenset[str] = ONLY_DISTRICT
    months: tuple[int, ...] = ()  # empty: any month
    confidential: bool = False
    urgent: bool = False


@dataclass(frozen=True)
class SenderSpec:
    """An issuing body: how it numbers and signs, and what it sends to whom."""

    key: str
    name: str
    short_name: str
    templates: tuple[Template, ...]
    head: str = "Giám đốc"
    deputy: str = "Phó Giám đốc"
    agency_code: str | None = None  # invented
    email: str | None = None
    superior: str | None = None  # the line above the agency name in the heading
    place: str = "Quận 3"
    per_day: float = 2.0  # documents issued per working day: drives the running numbers
    # Drafting units for công văn notations, by topic; "*" is the default.
    units: dict[str, str] = field(default_factory=lambda: {"*": "VP"})
    electronic: bool = True  # connected to the exchange, or at least to official e-mail


SO = SenderSpec(
    key="so",
    name="Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh",
    short_name="GDĐT",
    agency_code="000.00.12.H29",
    email="vanthu.sgddt@hcm.edu.vn",
    superior="Ủy ban nhân dân Thành phố Hồ Chí Minh",
    place="Thành phố Hồ Chí Minh",
    per_day=22,
    units={
        "*": "VP",
        "mn": "GDMN",
        "pt": "GDTrH",
        "kt": "KTKĐ",
        "cntt": "TTTT",
        "tccb": "TCCB",
        "tc": "KHTC",
        "ctt": "CTTT",
        "yte": "CTTT",
    },
    templates=(
        Template(
            "Công văn", "Về việc hướng dẫn thực hiện nhiệm vụ giáo dục mầm non năm học {nam_hoc}",
            "mn", months=(8, 9, 10),
        ),
        Template(
            "Công văn",
            "Về việc hướng dẫn thực hiện nhiệm vụ giáo dục trung học năm học {nam_hoc}",
            "pt", months=(8, 9, 10),
        ),
        Template(
            "Công văn",
            "Về việc tổ chức Hội thi giáo viên dạy giỏi cấp thành phố năm học {nam_hoc}", "pt",
        ),
        Template(
            "Công văn",
            "Về việc triển khai chuyển đổi số trong các cơ sở giáo dục năm học {nam_hoc}", "cntt",
        ),
        Template(
            "Công văn",
            "Về việc cập nhật dữ liệu trên Cơ sở dữ liệu ngành giáo dục {hoc_ky} năm học {nam_hoc}",
            "cntt",
        ),
        Template(
            "Công văn",
            "Về việc triển khai học bạ số đối với cấp tiểu học và trung học cơ sở", "cntt",
            audience=frozenset({D, P, L}),
        ),
        Template(
            "Công văn",
            "Về việc tăng cường phòng, chống dịch bệnh sốt xuất huyết, tay chân miệng "
            "trong trường học", "yte",
        ),
        Template(
            "Công văn", "Về việc tăng cường công tác giáo dục an toàn giao thông cho học sinh",
            "ctt",
        ),
        Template(
            "Công văn",
            "Về việc hướng dẫn thu, sử dụng học phí và các khoản thu dịch vụ năm học {nam_hoc}",
            "tc", months=(8, 9, 10),
        ),
        Template(
            "Công văn",
            "Về việc rà soát, báo cáo số lượng giáo viên còn thiếu so với định mức năm học "
            "{nam_hoc}", "tccb",
        ),
        Template(
            "Kế hoạch",
            "Kế hoạch tổ chức các hoạt động chào mừng Ngày Nhà giáo Việt Nam 20/11", "ctt",
            months=(10, 11),
        ),
        Template(
            "Kế hoạch", "Kế hoạch kiểm tra công tác quản lý, dạy và học {hoc_ky} năm học {nam_hoc}",
            "kt",
        ),
        Template(
            "Hướng dẫn",
            "Hướng dẫn thực hiện công tác kiểm tra nội bộ trường học năm học {nam_hoc}", "kt",
        ),
        Template(
            "Hướng dẫn", "Hướng dẫn tổ chức kiểm tra định kỳ cuối {hoc_ky} năm học {nam_hoc}", "kt",
            months=(11, 12, 4, 5),
        ),
        Template(
            "Thông báo",
            "Thông báo kết luận của Giám đốc Sở tại Hội nghị triển khai nhiệm vụ năm học "
            "{nam_hoc}", "vp", months=(8, 9, 10),
        ),
        Template(
            "Thông báo", "Thông báo lịch bồi dưỡng chính trị hè năm {nam} cho cán bộ quản lý, "
            "giáo viên", "tccb", months=(6, 7, 8),
        ),
        Template(
            "Quyết định",
            "Quyết định ban hành Kế hoạch thời gian năm học {nam_hoc} của giáo dục mầm non, "
            "giáo dục phổ thông và giáo dục thường xuyên trên địa bàn Thành phố", "pt",
            months=(7, 8),
        ),
        Template(
            "Giấy mời",
            "Mời dự Hội nghị giao ban lãnh đạo phòng giáo dục và đào tạo tháng {thang_hop} "
            "({hop})", "vp",
        ),
        Template(
            "Công văn",
            "Về việc tổ chức kiểm tra, đánh giá giữa {hoc_ky} năm học {nam_hoc} cấp trung học "
            "cơ sở", "pt", audience=frozenset({D, L}), months=(10, 11, 3),
        ),
        Template(
            "Công văn",
            "Về việc tổ chức các hoạt động hưởng ứng Tháng hành động vì bình đẳng giới và "
            "phòng ngừa, ứng phó với bạo lực trên cơ sở giới", "ctt", months=(10, 11, 12),
        ),
        Template(
            "Công văn",
            "Về việc tổ chức thi chọn học sinh giỏi lớp 9 cấp thành phố năm học {nam_hoc}", "pt",
            audience=frozenset({D, L}), months=(11, 12, 1, 2),
        ),
        Template(
            "Công văn",
            "Về việc cử cán bộ quản lý, giáo viên tham gia bồi dưỡng thường xuyên năm học "
            "{nam_hoc}", "tccb",
        ),
        Template(
            "Công văn", "Về việc tăng cường công tác phòng, chống bạo lực học đường", "ctt",
        ),
        Template(
            "Công văn", "Về việc bảo đảm an toàn thông tin mạng trong các cơ sở giáo dục", "cntt",
        ),
        Template(
            "Công văn",
            "Về việc tăng cường bảo đảm an toàn cho trẻ trong các cơ sở giáo dục mầm non", "mn",
        ),
        Template(
            "Công văn",
            "Về việc rà soát, cấp phép hoạt động nhóm trẻ, lớp mẫu giáo độc lập tư thục", "mn",
        ),
        Template(
            "Công văn",
            "Về việc tự đánh giá và đăng ký kiểm định chất lượng giáo dục năm học {nam_hoc}",
            "kt",
        ),
        Template(
            "Công văn",
            "Về việc hướng dẫn xây dựng dự toán ngân sách nhà nước năm {nam_toi}", "tc",
            months=(7, 8, 9),
        ),
        Template(
            "Kế hoạch", "Kế hoạch triển khai công tác y tế trường học năm học {nam_hoc}", "yte",
        ),
        Template(
            "Quyết định",
            "Quyết định về việc công nhận danh hiệu thi đua năm học {nam_hoc_truoc}", "tccb",
            months=(7, 8, 9),
        ),
        Template("Giấy mời", "Mời dự tập huấn triển khai học bạ số ({hop})", "cntt"),
    ),
)  # fmt: skip

BO = SenderSpec(
    key="bo",
    name="Bộ Giáo dục và Đào tạo",
    short_name="BGDĐT",
    agency_code="000.00.00.G47",
    email="vanthu@moet.edu.vn",
    head="Bộ trưởng",
    deputy="Thứ trưởng",
    place="Hà Nội",
    per_day=25,
    units={"*": "VP", "mn": "GDMN", "pt": "GDPT", "cntt": "CNTT", "tccb": "NGCBQLGD"},
    templates=(
        Template(
            "Công văn",
            "Về việc hướng dẫn thực hiện nhiệm vụ giáo dục phổ thông năm học {nam_hoc}", "pt",
        ),
        Template(
            "Công văn",
            "Về việc tiếp tục triển khai Chương trình giáo dục phổ thông 2018 năm học {nam_hoc}",
            "pt",
        ),
        Template(
            "Công văn",
            "Về việc sử dụng sổ điểm điện tử, học bạ điện tử trong cơ sở giáo dục phổ thông",
            "cntt",
        ),
        Template(
            "Kế hoạch", "Kế hoạch tổ chức Tuần lễ hưởng ứng học tập suốt đời năm {nam}", "ctt",
            months=(9, 10),
        ),
        Template(
            "Quyết định",
            "Quyết định ban hành Khung kế hoạch thời gian năm học {nam_hoc} của giáo dục mầm non, "
            "giáo dục phổ thông và giáo dục thường xuyên", "pt", months=(6, 7, 8),
        ),
    ),
)  # fmt: skip

UBND = SenderSpec(
    key="ubnd",
    name="Ủy ban nhân dân Quận 3",
    short_name="UBND",
    agency_code="000.00.31.H29",
    email="ubndq3@tphcm.gov.vn",
    head="Chủ tịch",
    deputy="Phó Chủ tịch",
    superior=None,
    per_day=14,
    units={"*": "VX", "tccb": "NV", "tc": "TCKH", "vp": "VP"},
    templates=(
        Template(
            "Kế hoạch",
            "Kế hoạch triển khai công tác phòng cháy, chữa cháy và cứu nạn, cứu hộ năm {nam} "
            "trên địa bàn Quận 3", "vp", audience=EVERYONE,
        ),
        Template(
            "Kế hoạch", "Kế hoạch tổ chức Lễ khai giảng năm học {nam_hoc} trên địa bàn Quận 3",
            "ctt", months=(8, 9),
        ),
        Template(
            "Kế hoạch", "Kế hoạch tuyển sinh đầu cấp năm học {nam_hoc} trên địa bàn Quận 3", "pt",
            months=(5, 6, 7),
        ),
        Template(
            "Công văn",
            "Về việc bảo đảm an ninh, trật tự và an toàn giao thông khu vực cổng trường", "ctt",
            audience=EVERYONE,
        ),
        Template(
            "Công văn",
            "Về việc triển khai Đề án phát triển ứng dụng dữ liệu về dân cư, định danh và xác "
            "thực điện tử trong ngành giáo dục", "cntt",
        ),
        Template(
            "Công văn",
            "Về việc giao bổ sung dự toán ngân sách năm {nam} cho các đơn vị sự nghiệp giáo dục",
            "tc",
        ),
        Template(
            "Quyết định", "Quyết định về việc điều động, bổ nhiệm viên chức quản lý trường học",
            "tccb",
        ),
        Template(
            "Quyết định",
            "Quyết định thành lập Đoàn kiểm tra công tác chuẩn bị năm học mới {nam_hoc}", "kt",
            months=(8,),
        ),
        Template(
            "Thông báo",
            "Thông báo kết luận của Chủ tịch Ủy ban nhân dân Quận 3 tại cuộc họp giao ban công "
            "tác giáo dục tháng {thang_truoc}", "vp",
        ),
        Template(
            "Giấy mời", "Mời dự họp giao ban công tác văn hóa - xã hội tháng {thang_hop} ({hop})",
            "vp",
        ),
        Template(
            "Công điện",
            "Công điện về việc chủ động ứng phó với mưa lớn, triều cường và ngập úng", "vp",
            audience=EVERYONE, months=(8, 9, 10, 11), urgent=True,
        ),
        Template(
            "Công văn",
            "Về việc triển khai các biện pháp bảo đảm an ninh nội bộ trong cơ quan, đơn vị", "vp",
            confidential=True,
        ),
        Template(
            "Công văn",
            "Về việc bảo đảm an toàn thực phẩm tại bếp ăn tập thể trong trường học", "yte",
            audience=EVERYONE,
        ),
        Template(
            "Công văn",
            "Về việc rà soát phòng học, công trình xuống cấp trước mùa mưa bão", "tc",
            months=(7, 8, 9),
        ),
        Template("Kế hoạch", "Kế hoạch cải cách hành chính năm {nam} của Quận 3", "vp"),
        Template("Kế hoạch", "Kế hoạch chuyển đổi số năm {nam} trên địa bàn Quận 3", "cntt"),
        Template(
            "Công văn", "Về việc tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm {nam}", "ctt",
            audience=EVERYONE, months=(10, 11),
        ),
        Template(
            "Thông báo", "Thông báo phân công nhiệm vụ các thành viên Ủy ban nhân dân Quận 3",
            "vp",
        ),
    ),
)  # fmt: skip

PNV = SenderSpec(
    key="pnv",
    name="Phòng Nội vụ Quận 3",
    short_name="PNV",
    agency_code="000.32.31.H29",
    email="pnv.q3@tphcm.gov.vn",
    head="Trưởng phòng",
    deputy="Phó Trưởng phòng",
    superior="Ủy ban nhân dân Quận 3",
    per_day=3,
    units={"*": "CCVC"},
    templates=(
        Template(
            "Công văn", "Về việc thống kê số lượng, chất lượng viên chức ngành giáo dục năm {nam}",
            "tccb",
        ),
        Template(
            "Công văn",
            "Về việc đánh giá, xếp loại chất lượng viên chức năm {nam}", "tccb", months=(11, 12),
        ),
        Template("Thông báo", "Thông báo kết quả xét tuyển viên chức giáo dục năm {nam}", "tccb"),
    ),
)  # fmt: skip

TTYT = SenderSpec(
    key="yte",
    name="Trung tâm Y tế Quận 3",
    short_name="TTYT",
    agency_code="000.33.31.H29",
    email="ttyt.q3@tphcm.gov.vn",
    superior="Ủy ban nhân dân Quận 3",
    per_day=4,
    units={"*": "KSBT"},
    templates=(
        Template(
            "Công văn",
            "Về việc triển khai chiến dịch tiêm bổ sung vắc xin sởi cho trẻ em trong trường học",
            "yte", audience=EVERYONE,
        ),
        Template(
            "Kế hoạch", "Kế hoạch khám sức khỏe định kỳ cho học sinh năm học {nam_hoc}", "yte",
            audience=EVERYONE,
        ),
        Template(
            "Công văn",
            "Về việc tăng cường phòng, chống bệnh tay chân miệng tại trường mầm non", "yte",
            audience=frozenset({D, K}),
        ),
        Template(
            "Thông báo",
            "Thông báo tình hình dịch bệnh sốt xuất huyết trên địa bàn Quận 3 tháng {thang_truoc}",
            "yte", audience=EVERYONE,
        ),
    ),
)  # fmt: skip

CONG_AN = SenderSpec(
    key="ca",
    name="Công an Quận 3",
    short_name="CAQ3",
    agency_code="000.34.31.H29",
    head="Trưởng Công an Quận",
    deputy="Phó Trưởng Công an Quận",
    per_day=6,
    units={"*": "ANCTNB", "ctt": "CSGT"},
    electronic=False,
    templates=(
        Template(
            "Công văn",
            "Về việc bảo đảm an ninh, trật tự trường học năm học {nam_hoc}", "ctt",
            audience=EVERYONE,
        ),
        Template(
            "Kế hoạch",
            "Kế hoạch tuyên truyền phòng, chống ma túy trong trường học năm {nam}", "ctt",
            audience=frozenset({D, P, L}),
        ),
        Template(
            "Công văn",
            "Về việc hướng dẫn thực tập phương án chữa cháy và cứu nạn, cứu hộ tại cơ sở giáo dục",
            "vp", audience=EVERYONE,
        ),
        Template(
            "Công văn",
            "Về việc phối hợp bảo vệ an ninh chính trị nội bộ trong ngành giáo dục", "vp",
            confidential=True,
        ),
        Template(
            "Kế hoạch",
            "Kế hoạch bảo đảm an ninh, trật tự dịp kỷ niệm các ngày lễ lớn năm {nam}", "vp",
            confidential=True,
        ),
    ),
)  # fmt: skip

QUAN_DOAN = SenderSpec(
    key="doan",
    name="Quận đoàn 3",
    short_name="QĐ3",
    head="Bí thư",
    deputy="Phó Bí thư",
    per_day=2,
    units={"*": "TTN"},
    templates=(
        Template(
            "Kế hoạch",
            "Kế hoạch tổ chức Hội thi “Chỉ huy Đội giỏi” cấp quận năm học {nam_hoc}", "ctt",
            audience=frozenset({D, P, L}),
        ),
        Template(
            "Kế hoạch", "Kế hoạch triển khai phong trào “Kế hoạch nhỏ” năm học {nam_hoc}", "ctt",
            audience=frozenset({D, P, L}),
        ),
        Template(
            "Thông báo", "Thông báo kết quả Hội thi “Nghi thức Đội” cấp quận năm học {nam_hoc}",
            "ctt", audience=frozenset({P, L}),
        ),
    ),
)  # fmt: skip

LDLD = SenderSpec(
    key="ldld",
    name="Liên đoàn Lao động Quận 3",
    short_name="LĐLĐ",
    head="Chủ tịch",
    deputy="Phó Chủ tịch",
    per_day=2,
    units={"*": "TC"},
    templates=(
        Template(
            "Công văn",
            "Về việc xét tặng Bằng khen cho công đoàn cơ sở trường học năm học {nam_hoc}", "tccb",
            audience=EVERYONE,
        ),
        Template(
            "Hướng dẫn", "Hướng dẫn tổ chức Đại hội công đoàn cơ sở nhiệm kỳ mới", "tccb",
            audience=EVERYONE,
        ),
        Template(
            "Kế hoạch",
            "Kế hoạch tổ chức Hội thao công nhân, viên chức ngành giáo dục năm {nam}", "ctt",
            audience=EVERYONE,
        ),
    ),
)  # fmt: skip

BHXH = SenderSpec(
    key="bhxh",
    name="Bảo hiểm xã hội Quận 3",
    short_name="BHXH",
    agency_code="000.35.31.H29",
    per_day=5,
    units={"*": "TST"},
    templates=(
        Template(
            "Công văn",
            "Về việc triển khai bảo hiểm y tế học sinh năm học {nam_hoc}", "tc", audience=EVERYONE,
            months=(8, 9, 10, 11),
        ),
        Template(
            "Thông báo",
            "Thông báo kết quả đối chiếu quá trình đóng bảo hiểm xã hội quý {quy}", "tc",
            audience=EVERYONE,
        ),
        Template(
            "Công văn", "Về việc cài đặt và sử dụng ứng dụng VssID cho viên chức, người lao động",
            "tccb", audience=EVERYONE,
        ),
    ),
)  # fmt: skip

BCHQS = SenderSpec(
    key="bchqs",
    name="Ban Chỉ huy Quân sự Quận 3",
    short_name="BCHQS",
    head="Chỉ huy trưởng",
    deputy="Phó Chỉ huy trưởng",
    per_day=2,
    units={"*": "TM"},
    electronic=False,
    templates=(
        Template(
            "Kế hoạch",
            "Kế hoạch giáo dục quốc phòng và an ninh cho học sinh năm học {nam_hoc}", "ctt",
            audience=frozenset({D, L}),
        ),
        Template(
            "Công văn", "Về việc phối hợp tuyên truyền Luật Nghĩa vụ quân sự trong nhà trường",
            "ctt", audience=frozenset({D, L}),
        ),
    ),
)  # fmt: skip

CHU_THAP_DO = SenderSpec(
    key="hctd",
    name="Hội Chữ thập đỏ Quận 3",
    short_name="HCTĐ",
    head="Chủ tịch",
    deputy="Phó Chủ tịch",
    per_day=1,
    units={"*": "VP"},
    templates=(
        Template("Kế hoạch", "Kế hoạch vận động hiến máu tình nguyện năm {nam}", "ctt",
                 audience=EVERYONE),
        Template(
            "Công văn", "Về việc vận động ủng hộ đồng bào các tỉnh bị thiệt hại do bão, lũ", "ctt",
            audience=EVERYONE,
        ),
    ),
)  # fmt: skip

EXTERNAL_SENDERS: tuple[SenderSpec, ...] = (
    SO,
    BO,
    UBND,
    PNV,
    TTYT,
    CONG_AN,
    QUAN_DOAN,
    LDLD,
    BHXH,
    BCHQS,
    CHU_THAP_DO,
)

# The district office writing to its schools (its people sign: see seed.py).
PGD_TEMPLATES: tuple[Template, ...] = (
    Template(
        "Công văn", "Về việc hướng dẫn thực hiện nhiệm vụ giáo dục mầm non năm học {nam_hoc}",
        "mn", frozenset({K}), months=(8, 9, 10),
    ),
    Template(
        "Công văn", "Về việc hướng dẫn thực hiện nhiệm vụ giáo dục tiểu học năm học {nam_hoc}",
        "pt", frozenset({P}), months=(8, 9, 10),
    ),
    Template(
        "Công văn",
        "Về việc hướng dẫn thực hiện nhiệm vụ giáo dục trung học cơ sở năm học {nam_hoc}", "pt",
        frozenset({L}), months=(8, 9, 10),
    ),
    Template("Kế hoạch", "Kế hoạch kiểm tra nội bộ trường học năm học {nam_hoc}", "kt",
             ALL_SCHOOLS),
    Template(
        "Kế hoạch", "Kế hoạch tổ chức Hội thi giáo viên dạy giỏi cấp quận năm học {nam_hoc}",
        "pt", PRIMARY_AND_SECONDARY,
    ),
    Template(
        "Kế hoạch", "Kế hoạch tổ chức Hội thi “Giáo viên mầm non dạy giỏi” cấp quận năm học "
        "{nam_hoc}", "mn", frozenset({K}),
    ),
    Template(
        "Công văn",
        "Về việc tăng cường phòng, chống bệnh tay chân miệng và sốt xuất huyết trong trường "
        "mầm non", "yte", frozenset({K}),
    ),
    Template(
        "Công văn",
        "Về việc cập nhật dữ liệu học sinh, giáo viên trên phần mềm quản lý trường học {hoc_ky} "
        "năm học {nam_hoc}", "cntt", ALL_SCHOOLS,
    ),
    Template(
        "Công văn", "Về việc triển khai chữ ký số và hồ sơ điện tử trong nhà trường", "cntt",
        ALL_SCHOOLS,
    ),
    Template(
        "Công văn", "Về việc tăng cường giáo dục an toàn giao thông cho học sinh", "ctt",
        PRIMARY_AND_SECONDARY,
    ),
    Template(
        "Công văn",
        "Về việc báo cáo số lượng, chất lượng đội ngũ cán bộ quản lý, giáo viên, nhân viên "
        "năm học {nam_hoc}", "tccb", ALL_SCHOOLS,
    ),
    Template(
        "Công văn", "Về việc hướng dẫn thực hiện các khoản thu, chi đầu năm học {nam_hoc}", "tc",
        ALL_SCHOOLS, months=(8, 9, 10),
    ),
    Template("Thông báo", "Thông báo lịch công tác tháng {thang_toi} của Phòng Giáo dục và "
             "Đào tạo", "vp", ALL_SCHOOLS),
    Template(
        "Thông báo", "Thông báo kết quả kiểm tra công tác chuẩn bị năm học mới {nam_hoc}", "kt",
        ALL_SCHOOLS, months=(9, 10),
    ),
    Template("Giấy mời", "Mời dự họp giao ban hiệu trưởng tháng {thang_hop} ({hop})", "vp",
             ALL_SCHOOLS),
    Template(
        "Giấy mời", "Mời dự tập huấn sử dụng hệ thống quản lý văn bản và điều hành ({hop})",
        "cntt", ALL_SCHOOLS,
    ),
    Template(
        "Quyết định",
        "Quyết định thành lập Ban Giám khảo Hội thi giáo viên dạy giỏi cấp quận năm học "
        "{nam_hoc}", "pt", PRIMARY_AND_SECONDARY,
    ),
    Template(
        "Hướng dẫn", "Hướng dẫn tổ chức kiểm tra cuối {hoc_ky} năm học {nam_hoc}", "kt",
        PRIMARY_AND_SECONDARY, months=(11, 12, 4, 5),
    ),
    Template(
        "Hướng dẫn", "Hướng dẫn báo cáo sơ kết {hoc_ky} năm học {nam_hoc}", "vp", ALL_SCHOOLS,
        months=(12, 1),
    ),
    Template(
        "Kế hoạch", "Kế hoạch tổ chức các hoạt động kỷ niệm Ngày Nhà giáo Việt Nam 20/11", "ctt",
        ALL_SCHOOLS, months=(10, 11),
    ),
    Template(
        "Kế hoạch", "Kế hoạch tuyển sinh vào lớp 1 và lớp 6 năm học {nam_hoc}", "pt",
        PRIMARY_AND_SECONDARY, months=(5, 6, 7),
    ),
    Template(
        "Kế hoạch", "Kế hoạch tổ chức hoạt động hè năm {nam} cho học sinh", "ctt", ALL_SCHOOLS,
        months=(5, 6, 7),
    ),
    Template(
        "Công văn",
        "Về việc tổ chức ôn tập, kiểm tra giữa {hoc_ky} năm học {nam_hoc}", "kt",
        PRIMARY_AND_SECONDARY,
    ),
)  # fmt: skip

# A school writing to the district office.
SCHOOL_TEMPLATES: tuple[Template, ...] = (
    Template("Báo cáo", "Báo cáo sơ kết {hoc_ky} năm học {nam_hoc}", "vp", months=(12, 1)),
    Template("Báo cáo", "Báo cáo tình hình đầu năm học {nam_hoc}", "pt", months=(9, 10)),
    Template("Báo cáo", "Báo cáo kết quả tuyển sinh năm học {nam_hoc}", "pt", months=(8, 9)),
    Template("Báo cáo", "Báo cáo kết quả kiểm tra nội bộ tháng {thang_truoc}", "kt"),
    Template("Báo cáo", "Báo cáo tình hình dịch bệnh trong trường học tháng {thang_truoc}", "yte"),
    Template("Tờ trình", "Tờ trình đề nghị bổ sung kinh phí sửa chữa phòng học, nhà vệ sinh", "tc"),
    Template("Tờ trình", "Tờ trình đề nghị tuyển dụng viên chức năm học {nam_hoc}", "tccb"),
    Template(
        "Công văn", "Về việc đăng ký tham gia Hội thi giáo viên dạy giỏi cấp quận năm học "
        "{nam_hoc}", "pt",
    ),
    Template("Kế hoạch", "Kế hoạch tổ chức Lễ khai giảng năm học {nam_hoc}", "ctt",
             months=(8, 9)),
)  # fmt: skip

# A ward's People's Committee writing to the schools in its ward.
WARD_TEMPLATES: tuple[Template, ...] = (
    Template(
        "Kế hoạch", "Kế hoạch tổ chức Ngày hội toàn dân bảo vệ an ninh Tổ quốc năm {nam}", "ctt",
        ALL_SCHOOLS, months=(7, 8),
    ),
    Template(
        "Công văn", "Về việc phối hợp vận động phụ huynh học sinh diệt lăng quăng, phòng chống "
        "sốt xuất huyết", "yte", ALL_SCHOOLS,
    ),
    Template(
        "Công văn", "Về việc phối hợp điều tra, cập nhật số liệu phổ cập giáo dục năm {nam}", "pt",
        ALL_SCHOOLS,
    ),
    Template(
        "Giấy mời", "Mời dự Hội nghị tổng kết công tác phổ cập giáo dục, xóa mù chữ năm {nam} "
        "({hop})", "vp", ALL_SCHOOLS, months=(11, 12),
    ),
    Template(
        "Kế hoạch", "Kế hoạch bảo đảm trật tự lòng lề đường, vệ sinh môi trường khu vực trường "
        "học", "vp", ALL_SCHOOLS,
    ),
)  # fmt: skip

# Agency codes of the wards' People's Committees (invented), by ward.
WARD_CODES = {
    "Phường Võ Thị Sáu": "000.06.31.H29",
    "Phường 2": "000.02.31.H29",
    "Phường 9": "000.09.31.H29",
    "Phường 12": "000.12.31.H29",
}

# Who writes to whom: relative weights of senders per receiving kind. "pgd" is the district
# office, "school" any school (to the district), "ward" the school's own ward.
SENDER_WEIGHTS: dict[str, dict[str, float]] = {
    D: {
        "so": 34, "ubnd": 20, "school": 14, "bo": 5, "pnv": 4, "yte": 4, "ca": 5, "doan": 3,
        "ldld": 3, "bhxh": 3, "bchqs": 2, "hctd": 2,
    },
    K: {
        "pgd": 56, "ward": 11, "yte": 10, "ubnd": 6, "so": 2, "ldld": 4, "bhxh": 4, "hctd": 3,
        "ca": 3,
    },
    P: {
        "pgd": 52, "ward": 10, "yte": 7, "doan": 7, "ubnd": 6, "so": 3, "ca": 5, "ldld": 4,
        "bhxh": 4, "hctd": 2,
    },
    L: {
        "pgd": 50, "ward": 8, "doan": 7, "ca": 7, "yte": 6, "ubnd": 6, "so": 4, "bchqs": 4,
        "ldld": 4, "bhxh": 4,
    },
}  # fmt: skip

# Share of the incoming documents that each organisation receives, by kind.
RECEIVER_WEIGHTS = {D: 40.0, K: 4.5, P: 6.0, L: 7.0}

# Pages of a typical document of each type: (fewest, most).
PAGE_RANGES = {
    "Công văn": (1, 3),
    "Kế hoạch": (3, 12),
    "Hướng dẫn": (4, 16),
    "Quyết định": (1, 4),
    "Thông báo": (1, 3),
    "Giấy mời": (1, 1),
    "Báo cáo": (3, 10),
    "Tờ trình": (2, 4),
    "Công điện": (1, 2),
}

MEETING_TIMES = ("7 giờ 30", "8 giờ 00", "9 giờ 00", "14 giờ 00")
CANCEL_REASON = "Vào sổ nhầm văn bản gửi đơn vị khác; đã chuyển trả bộ phận gửi."


# --- Members as senders ----------------------------------------------------------------------

PGD = SenderSpec(
    key="pgd",
    name=DISTRICT.name,
    short_name=DISTRICT.short_name,
    templates=PGD_TEMPLATES,
    head="Trưởng phòng",
    deputy="Phó Trưởng phòng",
    agency_code=DISTRICT.agency_code,
    superior="Ủy ban nhân dân Quận 3",
    per_day=6,
    units={
        "*": "VP",
        **{topic: unit.short_name for unit in DISTRICT_UNITS for topic in unit.topics},
    },
)


def school_sender(school: MemberSpec) -> SenderSpec:
    return SenderSpec(
        key="school",
        name=school.name,
        short_name=school.short_name,
        templates=SCHOOL_TEMPLATES,
        head="Hiệu trưởng",
        deputy="Phó Hiệu trưởng",
        agency_code=school.agency_code,
        superior=DISTRICT.name,
        per_day=0.4,
    )


def ward_sender(ward: str) -> SenderSpec:
    return SenderSpec(
        key="ward",
        name=f"Ủy ban nhân dân {ward}",
        short_name="UBND",
        templates=WARD_TEMPLATES,
        head="Chủ tịch",
        deputy="Phó Chủ tịch",
        agency_code=WARD_CODES[ward],
        superior="Ủy ban nhân dân Quận 3",
        per_day=3,
        units={"*": "VX"},
    )
