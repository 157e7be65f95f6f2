"""The case-file story's data: the headings and files of the members' yearly lists, the
letters the district's files of last year hold, and the words of its steps.

Titles carry their year as placeholders ({nam}, {nam_sau}, {nam_hoc}, {nam_hoc_truoc};
`year_values`), so the same lists serve any year. Retention codes are those migration
0017 seeds; keepers are demo logins (eoffice.demo.data). Every title, heading and word
here is an invented but typical one for a district education office and its schools.
"""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.demo import data

D, K, P, L = data.D, data.K, data.P, data.L
EVERYONE = frozenset({D, K, P, L})

# What became of the district's files of last year, and when (eoffice.demo.casefiles).
HANDED, KEPT, WAITING, RECENT, STILL_OPEN = "handed", "kept", "waiting", "recent", "open"
CLOSED_FATES = (HANDED, KEPT, WAITING, RECENT)
HANDED_ON_DAYS = ((12, 9), (12, 10), (12, 11))  # closed early in December
WAITING_ON_DAYS = ((12, 15), (12, 19), (12, 23), (12, 30))  # the last: no warning in November
KEPT_ON_DAY = (12, 17)
HANDOVER_WORKING_DAYS_AGO = 8
KEEP_BACK_WORKING_DAYS_AGO = 3
DISPOSAL_WORKING_DAYS_AGO = 2
OLD_FILE_YEARS_AGO = 12  # closed then, kept 10 years: its retention ran out two years ago


# --- The lists, as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    title: str
    notation: str


@dataclass(frozen=True)
class PlannedFile:
    """A file of a list. The title's placeholders are those of the list's year `nam`:
    {nam}, {nam_sau} (the next year) and {nam_hoc} (the school year starting in it)."""

    key: str
    heading: str  # notation of its large heading
    title: str
    retention: str  # retention code (migration 0017)
    keeper: str | None  # login of the keeper; None: whoever files first opens and keeps it
    words: tuple[str, ...] = ()  # words of a subject that send a document here
    default: bool = False  # the heading's file for whatever else comes under it
    kinds: frozenset[str] = EVERYONE
    new: bool = False  # added to this year's list only
    fate: str | None = None  # the district's file of last year: what became of it

    def title_for(self, year: int) -> str:
        return self.title.format_map(year_values(year))

    @property
    def dated(self) -> bool:
        return "{" in self.title


DISTRICT_HEADINGS = (
    Heading("Tổ chức cán bộ", "TCCB"),
    Heading("Văn phòng", "VP"),
    Heading("Giáo dục Mầm non", "GDMN"),
    Heading("Giáo dục Tiểu học", "GDTH"),
    Heading("Giáo dục Trung học", "GDTrH"),
    Heading("Kế hoạch – Tài chính", "KHTC"),
)
DISTRICT_FILES = (
    PlannedFile("tuyen_dung", "TCCB", "Hồ sơ tuyển dụng, điều động, bổ nhiệm viên chức năm {nam}",
                "70", "chuyenvien.tccb", ("tuyển dụng", "xét tuyển", "điều động", "bổ nhiệm"),
                fate=WAITING),
    PlannedFile("danh_gia", "TCCB",
                "Hồ sơ đánh giá, xếp loại viên chức và thi đua, khen thưởng năm {nam}", "20",
                "chuyenvien.tccb", ("đánh giá, xếp loại", "thi đua", "khen thưởng", "bằng khen"),
                default=True, fate=WAITING),
    PlannedFile("cntt", "VP", "Hồ sơ ứng dụng công nghệ thông tin, chuyển đổi số năm {nam}", "10",
                "vanthu", ("chuyển đổi số", "công nghệ thông tin", "dữ liệu", "an toàn thông tin",
                           "sổ điểm"), fate=KEPT),
    PlannedFile("van_ban_den", "VP",
                "Tập văn bản của Ủy ban nhân dân Quận 3 và các cơ quan gửi đến để biết", "5",
                "vanthu", default=True, fate=RECENT),
    PlannedFile("mam_non", "GDMN",
                "Hồ sơ chỉ đạo thực hiện nhiệm vụ giáo dục mầm non năm học {nam_hoc}", "10",
                "chuyenvien.mamnon", ("mầm non", "nhóm trẻ", "mẫu giáo"), default=True,
                fate=WAITING),
    PlannedFile("tuyen_sinh", "GDTH", "Hồ sơ tuyển sinh đầu cấp năm học {nam_hoc}", "20",
                "chuyenvien.phothong", ("tuyển sinh",), fate=HANDED),
    PlannedFile("tieu_hoc", "GDTH", "Tập văn bản chỉ đạo chuyên môn giáo dục tiểu học", "10",
                "chuyenvien.phothong", ("tiểu học",), default=True, fate=HANDED),
    PlannedFile("hoc_ba", "GDTH", "Hồ sơ triển khai học bạ số năm học {nam_hoc}", "10",
                "chuyenvien.phothong", ("học bạ",), new=True),
    PlannedFile("hsg", "GDTrH", "Hồ sơ thi chọn học sinh giỏi lớp 9 năm học {nam_hoc}", "20",
                "chuyenvien.phothong", ("học sinh giỏi",), fate=STILL_OPEN),
    PlannedFile("trung_hoc", "GDTrH",
                "Tập văn bản chỉ đạo của Sở GDĐT về chuyên môn giáo dục trung học", "10",
                "chuyenvien.phothong", ("trung học", "kiểm tra", "kiểm định"), default=True,
                fate=HANDED),
    PlannedFile("ngan_sach", "KHTC", "Hồ sơ xây dựng dự toán ngân sách năm {nam_sau}", "vinh_vien",
                "chuyenvien.khtc", ("dự toán", "ngân sách", "học phí", "khoản thu", "bảo hiểm",
                                    "phòng học"), default=True, fate=WAITING),
)  # fmt: skip
SCHOOL_HEADINGS = (
    Heading("Hành chính", "HC"),
    Heading("Chuyên môn", "CM"),
    Heading("Tổ chức", "TC"),
)
PRIMARY_AND_SECONDARY, KINDERGARTEN = frozenset({P, L}), frozenset({K})
SCHOOL_FILES = (
    PlannedFile("van_ban_pgd", "HC", "Tập văn bản chỉ đạo của Phòng Giáo dục và Đào tạo Quận 3",
                "10", "vanthu", default=True),
    PlannedFile("an_toan", "HC", "Hồ sơ phòng cháy, chữa cháy, an ninh trật tự và y tế trường học",
                "10", "vanthu", ("cháy", "an ninh", "an toàn", "dịch", "y tế", "sức khỏe",
                                 "vắc xin", "ma túy")),
    PlannedFile("ke_hoach", "CM", "Hồ sơ kế hoạch giáo dục nhà trường năm học {nam_hoc}", "20",
                "phohieutruong", default=True),
    PlannedFile("tuyen_sinh", "CM", "Hồ sơ tuyển sinh năm học {nam_hoc}", "20", "vanthu",
                ("tuyển sinh",), kinds=PRIMARY_AND_SECONDARY),
    PlannedFile("tuyen_sinh", "CM", "Hồ sơ tuyển sinh nhà trẻ, mẫu giáo năm học {nam_hoc}", "20",
                "vanthu", ("tuyển sinh",), kinds=KINDERGARTEN),
    PlannedFile("phong_trao", "CM",
                "Hồ sơ phong trào thi đua và hoạt động trải nghiệm của học sinh", "5", None,
                ("hội thi", "phong trào", "kế hoạch nhỏ", "nghi thức", "tuần lễ", "hưởng ứng"),
                kinds=PRIMARY_AND_SECONDARY),
    PlannedFile("phong_trao", "CM", "Hồ sơ hội thi, ngày hội và hoạt động trải nghiệm của trẻ",
                "5", None, ("hội thi", "ngày hội", "tuần lễ", "hưởng ứng", "chào mừng"),
                kinds=KINDERGARTEN),
    PlannedFile("to_chuc", "TC",
                "Hồ sơ đánh giá, xếp loại viên chức và thi đua, khen thưởng năm {nam}", "20",
                "hieutruong", ("viên chức", "thi đua", "khen", "công đoàn", "bảo hiểm xã hội",
                               "vssid", "bồi dưỡng"), default=True),
    PlannedFile("hkpd", "CM", "Hồ sơ tổ chức Hội khỏe Phù Đổng cấp trường năm học {nam_hoc}",
                "10", None, ("phù đổng", "hội khỏe", "hội thao"), kinds=PRIMARY_AND_SECONDARY,
                new=True),
    PlannedFile("van_dong", "CM",
                "Hồ sơ chuyên đề giáo dục phát triển vận động cho trẻ năm học {nam_hoc}", "10",
                None, ("vận động", "hội thao"), kinds=KINDERGARTEN, new=True),
)  # fmt: skip
# Which heading a document comes under, by the team that handles it (its recipient unit,
# or the drafter's for an outgoing document).
DISTRICT_UNIT_HEADINGS = {"VP": "VP", "TCCB": "TCCB", "MN": "GDMN", "CNTT": "VP", "KHTC": "KHTC"}
SECONDARY_WORDS = ("trung học", "thcs", "lớp 9", "lớp 6")
STAFF_WORDS = ("viên chức", "cán bộ", "thi đua", "khen", "công đoàn", "bảo hiểm xã hội")

TEACHER_SCHOOL = "THCSBĐ"
TEACHER_LOGIN = "giaovien.toan"
TEACHER_FILE = "Hồ sơ sinh hoạt chuyên môn Tổ Toán năm học {nam_hoc}"
TEACHER_FILE_NOTE = (
    "Kế hoạch, biên bản sinh hoạt chuyên môn và chuyên đề của Tổ Toán; lập ngoài danh mục."
)


# --- Last year's documents and the old file -----------------------------------------------


@dataclass(frozen=True)
class Letter:
    """A document the district received last year (or long ago), for one of its files.
    `subject` takes the file's year as {nam}, {nam_sau}, {nam_hoc} (the school year
    starting that year) and {nam_hoc_truoc} (the one ending in it)."""

    sender: str  # key of eoffice.demo.data's sender
    type_name: str
    subject: str
    topic: str  # the sender's drafting unit in the symbol (SenderSpec.units)
    month_day: tuple[int, int]  # when it would usually come, moved into the story's window
    result: str


LETTERS = {
    "tuyen_dung": Letter(
        "ubnd", "Quyết định",
        "Quyết định về việc phê duyệt kết quả xét tuyển viên chức giáo dục năm {nam}", "tccb",
        (9, 12), "Đã thông báo kết quả, hướng dẫn người trúng tuyển hoàn thiện hồ sơ nhận việc.",
    ),
    "danh_gia": Letter(
        "so", "Công văn", "Về việc đánh giá, xếp loại chất lượng viên chức năm {nam}", "tccb",
        (11, 20), "Đã tổng hợp kết quả đánh giá, xếp loại viên chức các trường, báo cáo Sở.",
    ),
    "cntt": Letter(
        "so", "Công văn",
        "Về việc triển khai chuyển đổi số trong các cơ sở giáo dục năm {nam}", "cntt",
        (3, 10), "Đã xây dựng kế hoạch chuyển đổi số của Phòng, triển khai đến các trường.",
    ),
    "van_ban_den": Letter(
        "ubnd", "Kế hoạch", "Kế hoạch cải cách hành chính năm {nam} của Quận 3", "vp", (1, 20),
        "Đã phổ biến đến các tổ chuyên môn, xây dựng kế hoạch của Phòng.",
    ),
    "mam_non": Letter(
        "so", "Công văn",
        "Về việc hướng dẫn thực hiện nhiệm vụ giáo dục mầm non năm học {nam_hoc}", "mn",
        (9, 8), "Đã hướng dẫn các trường mầm non xây dựng kế hoạch năm học, kiểm tra thực hiện.",
    ),
    "tuyen_sinh": Letter(
        "ubnd", "Kế hoạch", "Kế hoạch tuyển sinh đầu cấp năm học {nam_hoc} trên địa bàn Quận 3",
        "vp", (5, 14), "Đã tổ chức tuyển sinh lớp 1 và lớp 6 theo kế hoạch, báo cáo kết quả.",
    ),
    "tieu_hoc": Letter(
        "so", "Công văn",
        "Về việc hướng dẫn đánh giá học sinh tiểu học năm học {nam_hoc_truoc}", "pt",
        (4, 16), "Đã triển khai đến các trường tiểu học, tổng hợp kết quả đánh giá cuối năm.",
    ),
    "hsg": Letter(
        "so", "Công văn",
        "Về việc tổ chức thi chọn học sinh giỏi lớp 9 cấp thành phố năm học {nam_hoc}", "pt",
        (11, 17), "Đã lập danh sách đội tuyển, tổ chức bồi dưỡng học sinh giỏi lớp 9.",
    ),
    "trung_hoc": Letter(
        "so", "Công văn",
        "Về việc thực hiện kiểm tra nội bộ trường học cấp trung học cơ sở năm {nam}", "pt",
        (2, 24), "Đã hướng dẫn các trường trung học cơ sở lập kế hoạch kiểm tra nội bộ.",
    ),
    "ngan_sach": Letter(
        "ubnd", "Công văn",
        "Về việc xây dựng dự toán ngân sách năm {nam_sau} của các đơn vị sự nghiệp giáo dục",
        "tc", (7, 22), "Đã tổng hợp dự toán của các trường, trình Ủy ban nhân dân Quận 3.",
    ),
}  # fmt: skip
OLD_FILE = PlannedFile(
    "old", "TCCB", "Hồ sơ thi đua, khen thưởng năm học {nam_hoc_truoc}", "10", "chuyenvien.tccb"
)
OLD_LETTER = Letter(
    "ubnd", "Quyết định",
    "Quyết định về việc công nhận danh hiệu thi đua năm học {nam_hoc_truoc}", "tccb", (9, 16),
    "Đã thông báo kết quả thi đua đến các trường, lưu hồ sơ khen thưởng.",
)  # fmt: skip
HANDED_KEEPER = "chuyenvien.phothong"  # keeps the three files handed over
HANDOVER_NOTE = (
    "Nộp lưu hồ sơ năm {nam} về chuyên môn giáo dục tiểu học, trung học theo kế hoạch thu "
    "thập tài liệu năm {nam_sau}."
)
OLD_HANDOVER_NOTE = "Nộp lưu hồ sơ năm {nam} của Tổ Tổ chức cán bộ."
KEEP_BACK_REASON = (
    "Hồ sơ còn được dùng để đối chiếu khi xây dựng Kế hoạch chuyển đổi số năm {nam_sau}; "
    "Văn phòng giữ lại, nộp lưu khi hoàn thành."
)
DISPOSAL_REASON = (
    "Hồ sơ đã hết thời hạn bảo quản 10 năm (đến {expiry}), tài liệu không còn giá trị "
    "sử dụng; đề nghị lãnh đạo xem xét, quyết định tiêu hủy."
)


def year_values(year: int) -> dict[str, object]:
    """The placeholders of titles and subjects for things of `year`."""
    return {
        "nam": year,
        "nam_sau": year + 1,
        "nam_hoc": f"{year} - {year + 1}",
        "nam_hoc_truoc": f"{year - 1} - {year}",
    }
