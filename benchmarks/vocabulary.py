"""The words of the benchmark corpus: what a district education office's registers hold.

Subjects, senders, symbols, signers and the text of attached files are put together
from these lists by `benchmarks.corpus`, so that searches meet the same mix as in a
real register: a few very common words ("kế hoạch", "năm học", "tuyển sinh"), a long
tail of topics, and rare words that only a handful of documents contain (`RARE_TOPICS`,
`RARE_TEXT`), so that the fixed queries of `benchmarks.scale` have both kinds.
"""

from __future__ import annotations

import random

DISTRICT = "Phòng Giáo dục và Đào tạo Quận 5"
DISTRICT_SHORT = "PGDĐT"
PLACE = "Quận 5"

DISTRICT_UNITS = [
    ("Văn phòng", "VP"),
    ("Tổ Tổ chức cán bộ", "TCCB"),
    ("Tổ Giáo dục Mầm non", "GDMN"),
    ("Tổ Giáo dục Tiểu học", "GDTH"),
    ("Tổ Giáo dục Trung học cơ sở", "GDTrH"),
    ("Tổ Kế hoạch - Tài chính", "KHTC"),
    ("Tổ Thanh tra", "TTr"),
    ("Tổ Phổ cập - Chuyển đổi số", "CĐS"),
]
SCHOOL_UNITS = [
    ("Tổ Văn phòng", "VP"),
    ("Tổ Chuyên môn 1", "CM1"),
    ("Tổ Chuyên môn 2", "CM2"),
    ("Tổ Chuyên môn 3", "CM3"),
]

# fmt: off
# Namesakes of schools (people, flowers, places): "Trường THCS Lê Quý Đôn".
SCHOOL_NAMES = [
    "Nguyễn Bỉnh Khiêm", "Lê Quý Đôn", "Chu Văn An", "Trần Hưng Đạo", "Nguyễn Du",
    "Lý Thường Kiệt", "Hùng Vương", "Võ Trường Toản", "Nguyễn Trãi", "Trần Quốc Toản",
    "Lê Lợi", "Kim Đồng", "Võ Thị Sáu", "Nguyễn Đình Chiểu", "Phan Bội Châu",
    "Huỳnh Kiến Hoa", "Bàu Sen", "Minh Đạo", "Hàm Tử", "Chương Dương",
    "Trần Bội Cơ", "Lý Phong", "Nguyễn Viết Xuân", "Phạm Hồng Thái", "Mạch Kiếm Hùng",
    "Hồng Bàng", "Ba Đình", "Kết Đoàn", "Âu Lạc", "Đống Đa",
    "Hoa Mai", "Hoa Sen", "Sơn Ca", "Họa Mi", "Vàng Anh",
    "Bông Sen", "Tuổi Thơ", "Hướng Dương", "Rạng Đông", "Bình Minh",
    "Lê Văn Tám", "Nguyễn Văn Trỗi", "Phù Đổng", "Trưng Trắc", "Trưng Nhị",
    "Đinh Tiên Hoàng", "Lê Hồng Phong", "Quang Trung", "Hai Bà Trưng", "Ngô Quyền",
    "Tô Hiến Thành", "Trần Phú", "Hà Huy Tập", "Nguyễn Thái Học", "Phan Đình Phùng",
    "Yết Kiêu", "Dã Tượng", "Nguyễn Khuyến", "Tản Đà", "Xuân Diệu",
]
SCHOOL_KINDS = [  # (name prefix, OrgKind value)
    ("Trường Mầm non", "kindergarten"),
    ("Trường Tiểu học", "primary"),
    ("Trường Trung học cơ sở", "lower_secondary"),
]

# Outside agencies: (name, abbreviation used in their symbols, weight).
AGENCIES = [
    ("Sở Giáo dục và Đào tạo Thành phố Hồ Chí Minh", "SGDĐT", 30),
    ("Ủy ban nhân dân Quận 5", "UBND", 16),
    ("Bộ Giáo dục và Đào tạo", "BGDĐT", 4),
    ("Sở Tài chính Thành phố Hồ Chí Minh", "STC", 2),
    ("Sở Nội vụ Thành phố Hồ Chí Minh", "SNV", 2),
    ("Sở Y tế Thành phố Hồ Chí Minh", "SYT", 2),
    ("Sở Lao động - Thương binh và Xã hội", "SLĐTBXH", 1),
    ("Sở Thông tin và Truyền thông", "STTTT", 1),
    ("Sở Văn hóa và Thể thao", "SVHTT", 1),
    ("Sở Khoa học và Công nghệ", "SKHCN", 1),
    ("Trung tâm Y tế Quận 5", "TTYT", 3),
    ("Công an Quận 5", "CAQ", 2),
    ("Ban Chỉ huy Quân sự Quận 5", "BCHQS", 1),
    ("Phòng Tài chính - Kế hoạch Quận 5", "TCKH", 3),
    ("Phòng Nội vụ Quận 5", "PNV", 3),
    ("Phòng Văn hóa và Thông tin Quận 5", "VHTT", 1),
    ("Phòng Lao động - Thương binh và Xã hội Quận 5", "LĐTBXH", 1),
    ("Phòng Tư pháp Quận 5", "PTP", 1),
    ("Kho bạc Nhà nước Quận 5", "KBNN", 1),
    ("Bảo hiểm xã hội Quận 5", "BHXH", 2),
    ("Quận đoàn 5", "QĐ5", 1),
    ("Hội đồng Đội Quận 5", "HĐĐ", 1),
    ("Liên đoàn Lao động Quận 5", "LĐLĐ", 1),
    ("Hội Khuyến học Quận 5", "HKH", 1),
    ("Hội Chữ thập đỏ Quận 5", "HCTĐ", 1),
    ("Trung tâm Văn hóa Quận 5", "TTVH", 1),
    ("Nhà Thiếu nhi Quận 5", "NTN", 1),
    ("Quận ủy Quận 5", "QU", 2),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam Quận 5", "MTTQ", 1),
    ("Trường Đại học Sư phạm Thành phố Hồ Chí Minh", "ĐHSP", 1),
    ("Trung tâm Giáo dục nghề nghiệp - Giáo dục thường xuyên Quận 5", "TTGDNN", 1),
    ("Viện Khoa học Giáo dục Việt Nam", "VKHGD", 1),
    ("Ban Quản lý dự án đầu tư xây dựng khu vực Quận 5", "BQLDA", 1),
    ("Thành đoàn Thành phố Hồ Chí Minh", "TĐTN", 1),
] + [(f"Ủy ban nhân dân Phường {n}", "UBND", 1) for n in range(1, 15)]

# Units of the senders, after the agency in a công văn's symbol: "1234/SGDĐT-GDTrH".
SENDER_UNITS = ["VP", "GDTrH", "GDTH", "GDMN", "TCCB", "KHTC", "CTTT", "KTKĐ", "TTr", "VX"]

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
            "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Mai"]
MIDDLE = ["Văn", "Thị", "Minh", "Thanh", "Ngọc", "Hoàng", "Quốc", "Thị Thu", "Hữu", "Đức",
          "Thị Kim", "Xuân", "Anh", "Công", "Thị Mỹ", "Tuấn", "Bảo", "Gia"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hiếu", "Hoa", "Hùng",
         "Hương", "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phúc",
         "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Vy",
         "Yến", "Nhung", "Đạt", "Huy", "Tiến", "Loan", "Châu", "Duyên", "Khoa", "Ngân"]
POSITIONS = ["Giám đốc", "Phó Giám đốc", "Chủ tịch", "Phó Chủ tịch", "Trưởng phòng",
             "Phó Trưởng phòng", "Hiệu trưởng", "Phó Hiệu trưởng", "Chánh Văn phòng",
             "Thứ trưởng", "Bí thư", "Trưởng ban"]

# Types of incoming documents with their weight (names as in catalog.defaults).
INCOMING_TYPES = [
    ("Công văn", 44), ("Kế hoạch", 11), ("Giấy mời", 10), ("Thông báo", 8),
    ("Quyết định", 8), ("Báo cáo", 5), ("Hướng dẫn", 5), ("Tờ trình", 2),
    ("Chỉ thị", 1), ("Chương trình", 1), ("Biên bản", 1), ("Nghị quyết", 1),
    ("Công điện", 1), ("Quy chế", 1), ("Phiếu chuyển", 1),
]
OUTGOING_TYPES = [
    ("Công văn", 40), ("Kế hoạch", 14), ("Báo cáo", 14), ("Thông báo", 9),
    ("Quyết định", 10), ("Giấy mời", 6), ("Tờ trình", 4), ("Hướng dẫn", 2),
    ("Biên bản", 1),
]

ACTIONS = [
    "triển khai", "tổ chức", "hướng dẫn thực hiện", "tăng cường", "thực hiện",
    "kiểm tra", "rà soát", "đăng ký", "tổng kết", "sơ kết", "báo cáo kết quả",
    "bổ sung", "điều chỉnh", "đẩy mạnh", "cử cán bộ tham dự", "tham gia", "góp ý dự thảo",
    "chấn chỉnh", "theo dõi", "khảo sát", "thống kê", "phổ biến", "đánh giá",
]

# Topics with their weight: the common ones first, then the long tail.
TOPICS = [
    ("tuyển sinh đầu cấp", 30), ("tuyển sinh vào lớp 6", 12), ("tuyển sinh vào lớp 10", 10),
    ("tuyển sinh lớp 1", 10), ("phòng chống dịch bệnh", 14), ("phòng chống dịch COVID-19", 12),
    ("phòng chống dịch sốt xuất huyết", 6), ("kiểm tra cuối học kỳ I", 12),
    ("kiểm tra cuối học kỳ II", 12), ("thi học kỳ", 8), ("bồi dưỡng giáo viên", 12),
    ("bồi dưỡng thường xuyên", 10), ("bồi dưỡng học sinh giỏi", 8), ("chuyển đổi số", 12),
    ("ứng dụng công nghệ thông tin", 10), ("an toàn trường học", 9), ("an toàn giao thông", 9),
    ("phòng cháy chữa cháy", 8), ("vệ sinh an toàn thực phẩm", 8), ("bữa ăn bán trú", 6),
    ("thu chi học phí", 7), ("miễn giảm học phí", 6), ("kiểm định chất lượng giáo dục", 7),
    ("đánh giá chuẩn hiệu trưởng", 4), ("đánh giá chuẩn nghề nghiệp giáo viên", 5),
    ("hội thi giáo viên dạy giỏi", 6), ("Hội khỏe Phù Đổng", 4),
    ("kỷ niệm Ngày Nhà giáo Việt Nam 20/11", 5), ("khai giảng năm học mới", 6),
    ("tổng kết năm học", 7), ("sách giáo khoa lớp 1", 3),
    ("chương trình giáo dục phổ thông 2018", 8), ("phổ cập giáo dục", 6), ("xóa mù chữ", 3),
    ("thi đua khen thưởng", 8), ("đánh giá xếp loại viên chức", 6), ("tuyển dụng viên chức", 5),
    ("nâng bậc lương thường xuyên", 5), ("bảo hiểm y tế học sinh", 6), ("y tế trường học", 5),
    ("giáo dục kỹ năng sống", 4), ("phòng chống bạo lực học đường", 5),
    ("phòng chống đuối nước", 4), ("dạy học tiếng Anh tăng cường", 4),
    ("giáo dục STEM", 4), ("thư viện thân thiện", 3), ("xây dựng trường chuẩn quốc gia", 4),
    ("cơ sở vật chất", 5), ("sửa chữa trường lớp mùa hè", 4), ("kiểm kê tài sản", 4),
    ("quyết toán ngân sách", 5), ("dự toán ngân sách", 5), ("công khai tài chính", 4),
    ("cải cách hành chính", 5), ("thực hiện dân chủ cơ sở", 3), ("phòng chống tham nhũng", 3),
    ("tiếp công dân", 3), ("công tác Đội và phong trào thiếu nhi", 3),
    ("hoạt động ngoại khóa", 4), ("dạy thêm học thêm", 4), ("khám sức khỏe định kỳ", 3),
    ("an ninh mạng", 2), ("sổ điểm điện tử", 3), ("học bạ số", 3), ("giáo dục hòa nhập", 2),
    ("trẻ em có hoàn cảnh khó khăn", 2), ("phòng chống ma túy", 2), ("bình đẳng giới", 2),
    ("tiết kiệm điện", 2), ("thu gom rác thải nhựa", 2), ("hiến máu tình nguyện", 2),
    ("Tết Trung thu", 2), ("nghỉ Tết Nguyên đán", 3), ("Ngày Sách và Văn hóa đọc", 2),
]
# Subjects nobody writes every day: a few documents in a hundred thousand.
RARE_TOPICS = [
    "giới thiệu nhạc cụ dân tộc đàn bầu",
    "tìm hiểu hiện tượng thủy triều",
    "tham quan khu di tích khảo cổ Cát Tiên",
    "bảo quản sách chống nấm mốc trong thư viện",
    "trưng bày gốm Bát Tràng",
]
RARE_TOPIC_RATE = 1 / 4000
# Words only inside attached files' text, rarer still.
RARE_TEXT = [
    "Học sinh tránh ra biển khi có xoáy thuận nhiệt đới và triều cường.",
    "Chương trình ngoại khóa có tiết mục hòa tấu đàn bầu và đàn tranh.",
]
RARE_TEXT_RATE = 1 / 150

PERIODS = [
    "năm học {y} - {y1}", "năm học {y} - {y1}", "năm học {y} - {y1}", "năm {y}",
    "học kỳ I năm học {y} - {y1}", "học kỳ II năm học {y} - {y1}", "tháng {m}/{y}",
    "quý {q} năm {y}", "6 tháng đầu năm {y}",
]
WHERE = [
    "", "", "", "", " trên địa bàn quận", " tại các cơ sở giáo dục", " trong trường học",
    " tại {school}", " đối với cán bộ, giáo viên, nhân viên",
]
MEETINGS = [
    "họp giao ban", "hội nghị", "tập huấn", "hội thảo chuyên đề", "lễ tổng kết",
    "buổi làm việc", "họp triển khai", "lễ phát động",
]
DECISIONS = [
    "công nhận kết quả", "thành lập Ban chỉ đạo", "thành lập Hội đồng", "khen thưởng",
    "phê duyệt kế hoạch", "ban hành quy chế", "giao chỉ tiêu",
]
NOTES = [
    "Đã sao gửi các tổ chuyên môn.", "Bản chính lưu văn thư.", "Chuyển đồng chí Hiệu trưởng.",
    "Gửi kèm danh sách.", "Đã báo cáo lãnh đạo qua điện thoại.", "Phô tô gửi các bộ phận.",
    "Văn bản điện tử, không có bản giấy.", "Hạn báo cáo theo văn bản.",
]
INSTRUCTIONS = [
    "Chủ trì tham mưu thực hiện, báo cáo kết quả đúng hạn.",
    "Nghiên cứu, đề xuất phương án.", "Phối hợp triển khai đến các trường.",
    "Tổng hợp số liệu gửi lãnh đạo.", "Theo dõi, đôn đốc thực hiện.",
]

# fmt: on


def weighted(pairs: list[tuple]) -> tuple[list, list[int]]:
    """The values and the cumulative weights of (value, weight) pairs, for random.choices."""
    values = [p[0] for p in pairs]
    total = 0
    cumulative = []
    for p in pairs:
        total += p[-1]
        cumulative.append(total)
    return values, cumulative


_TOPICS, _TOPIC_WEIGHTS = weighted(TOPICS)
_ITYPES, _ITYPE_WEIGHTS = weighted(INCOMING_TYPES)
_OTYPES, _OTYPE_WEIGHTS = weighted(OUTGOING_TYPES)


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def topic(rng: random.Random) -> str:
    if rng.random() < RARE_TOPIC_RATE:
        return rng.choice(RARE_TOPICS)
    return rng.choices(_TOPICS, cum_weights=_TOPIC_WEIGHTS)[0]


def incoming_type(rng: random.Random) -> str:
    return rng.choices(_ITYPES, cum_weights=_ITYPE_WEIGHTS)[0]


def outgoing_type(rng: random.Random) -> str:
    return rng.choices(_OTYPES, cum_weights=_OTYPE_WEIGHTS)[0]


def period(rng: random.Random, year: int, month: int) -> str:
    start = year if month >= 8 else year - 1  # the school year starts in August
    return rng.choice(PERIODS).format(y=start, y1=start + 1, m=month, q=(month - 1) // 3 + 1)


def subject(rng: random.Random, type_name: str, year: int, month: int, school: str) -> str:
    """A trích yếu as a clerk writes it for a document of this type."""
    what = topic(rng)
    where = rng.choice(WHERE).format(school=school)
    when = period(rng, year, month)
    if type_name in ("Công văn", "Công điện"):
        return f"V/v {rng.choice(ACTIONS)} {what}{where} {when}"
    if type_name == "Quyết định":
        return f"Quyết định về việc {rng.choice(DECISIONS)} {what} {when}"
    if type_name == "Giấy mời":
        return f"Giấy mời dự {rng.choice(MEETINGS)} về {what}{where}"
    if type_name == "Báo cáo":
        return f"Báo cáo kết quả {what}{where} {when}"
    if type_name == "Tờ trình":
        return f"Tờ trình về việc đề nghị phê duyệt kinh phí {what} {when}"
    if type_name == "Thông báo":
        return f"Thông báo kết luận của lãnh đạo tại {rng.choice(MEETINGS)} về {what}"
    return f"{type_name} {rng.choice(ACTIONS)} {what}{where} {when}"


def file_text(rng: random.Random, sender: str, symbol: str, subject_text: str, size: int) -> str:
    """The text layer of an attached PDF: 1,000–5,000 characters of an official letter."""
    lines = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        sender.upper(),
        f"Số: {symbol}",
        subject_text,
        "Căn cứ Luật Giáo dục năm 2019 và các văn bản hướng dẫn thi hành;",
    ]
    while sum(len(line) + 1 for line in lines) < size:
        roll = rng.random()
        what = topic(rng)
        if roll < 0.25:
            lines.append(
                f"Thực hiện văn bản số {rng.randint(1, 3000)}/{rng.choice(SENDER_UNITS)} "
                f"về {what}, đề nghị Hiệu trưởng các trường {rng.choice(ACTIONS)} {what} "
                f"và báo cáo kết quả trước ngày {rng.randint(1, 28)}/{rng.randint(1, 12)}."
            )
        elif roll < 0.45:
            lines.append(
                f"Các đơn vị chủ động xây dựng kế hoạch {what}, phân công cán bộ, giáo viên "
                f"phụ trách, bảo đảm an toàn và hiệu quả; tăng cường công tác kiểm tra, giám sát."
            )
        elif roll < 0.6:
            lines.append(
                f"Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị liên hệ "
                f"đồng chí {person(rng)}, chuyên viên, "
                f"điện thoại 0{rng.randint(900000000, 999999999)}."
            )
        elif roll < 0.75:
            lines.append(
                f"Số liệu tổng hợp: {rng.randint(10, 900)} lớp, "
                f"{rng.randint(300, 30000)} học sinh, "
                f"{rng.randint(20, 900)} giáo viên tham gia {what}; tỷ lệ hoàn thành "
                f"{rng.randint(60, 100)}%."
            )
        elif roll < 0.9:
            lines.append(
                f"Nội dung {rng.choice(MEETINGS)}: quán triệt chủ trương về {what}; "
                f"đánh giá kết quả đạt được, chỉ ra hạn chế và đề ra giải pháp trong thời gian tới."
            )
        else:
            lines.append(
                f"Nơi nhận: như trên; lưu VT, {rng.choice(SENDER_UNITS)}. "
                f"KT. GIÁM ĐỐC, PHÓ GIÁM ĐỐC {person(rng).upper()}."
            )
        if rng.random() < RARE_TEXT_RATE:
            lines.append(rng.choice(RARE_TEXT))
    return "\n".join(lines)[:size]


def body_html(rng: random.Random, subject_text: str) -> str:
    """A short sanitised body of an outgoing document (a few paragraphs)."""
    what = topic(rng)
    return (
        f"<p>Thực hiện chỉ đạo của cấp trên về {what}, đơn vị thông báo và đề nghị "
        f"các bộ phận {rng.choice(ACTIONS)} nội dung sau:</p>"
        f"<p>{subject_text}.</p>"
        f"<p>Đề nghị các cá nhân, bộ phận liên quan nghiêm túc thực hiện; báo cáo kết quả "
        f"trước ngày {rng.randint(1, 28)}/{rng.randint(1, 12)}.</p>"
    )
