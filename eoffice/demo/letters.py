"""What the demo's members write: the texts of their outgoing documents.

Every text is invented. The district's KẾ HOẠCH follows the structure of a real district
plan (../shared/fixtures/ke-hoach-cntt-2019-2020.txt): a "Căn cứ" paragraph, the
headings I. NHIỆM VỤ TRỌNG TÂM, II. NHIỆM VỤ CỤ THỂ, III. TỔ CHỨC THỰC HIỆN with numbered
items, a paragraph on report deadlines with its "Trước dd/mm/yyyy: …" list and the
closing sentence ending "./."; its wording is our own.

Bodies are the sanitised HTML subset of eoffice.outgoing.richtext. Placeholders in
braces are filled by eoffice.demo.outgoing (str.format_map) when the draft is written,
so a reply can cite the actual number and date of the document it answers.
A công văn's subject has no "Về việc": the PDF prints "V/v" before it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Letter:
    type_name: str
    subject: str
    body: str
    addressees: str | None = None  # "Kính gửi:" lines of a công văn


# --- The district's plan ------------------------------------------------------------------

KE_HOACH_CNTT = Letter(
    "Kế hoạch",
    "Hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học {nam_hoc}",
    """
<p>Căn cứ Công văn số {so_number}/GDĐT-TTTT {so_date} của Sở Giáo dục và Đào tạo (GDĐT)
về hướng dẫn thực hiện nhiệm vụ công nghệ thông tin (CNTT) và chuyển đổi số năm học
{nam_hoc}; căn cứ tình hình thực tế của các đơn vị trên địa bàn, Phòng GDĐT hướng dẫn thực
hiện nhiệm vụ CNTT năm học {nam_hoc} với những nội dung cụ thể như sau:</p>

<p><strong>I. NHIỆM VỤ TRỌNG TÂM</strong></p>
<p>1. Tiếp tục thực hiện chuyển đổi số trong giáo dục theo định hướng của ngành; gắn ứng
dụng CNTT với đổi mới công tác quản lý, đổi mới phương pháp dạy học và kiểm tra, đánh giá,
lấy người học và nhà trường làm trung tâm của mọi giải pháp.</p>
<p>2. Hoàn thiện và khai thác có hiệu quả cơ sở dữ liệu (CSDL) ngành giáo dục; bảo đảm
dữ liệu về trường, lớp, học sinh và đội ngũ được cập nhật đầy đủ, chính xác, đúng thời
hạn và thống nhất giữa các hệ thống thông tin của ngành.</p>
<p>3. Sử dụng hồ sơ điện tử, học bạ số, sổ điểm điện tử và văn bản điện tử có chữ ký số
trong hoạt động của nhà trường; giảm dần hồ sơ, sổ sách giấy theo đúng quy định.</p>
<p>4. Bảo đảm an toàn thông tin mạng cho các hệ thống, thiết bị và dữ liệu của đơn vị;
nâng cao nhận thức và kỹ năng số của cán bộ quản lý, giáo viên, nhân viên và học sinh.</p>

<p><strong>II. NHIỆM VỤ CỤ THỂ</strong></p>
<p><strong>1. Ứng dụng CNTT trong quản lý, điều hành</strong></p>
<p>Các đơn vị sử dụng phần mềm quản lý trường học đã kết nối với CSDL ngành; phân công cụ
thể người phụ trách cập nhật từng phân hệ dữ liệu, rà soát và chốt số liệu theo từng học
kỳ. Không nhập lặp lại cùng một dữ liệu trên nhiều phần mềm khi các hệ thống đã kết nối
với nhau.</p>
<p>Hệ thống quản lý văn bản và điều hành được sử dụng thống nhất trong toàn ngành giáo dục
quận, cụ thể:</p>
<ul>
<li>Văn thư đơn vị kiểm tra văn bản đến ít nhất bốn lần mỗi ngày (buổi sáng lúc 7 giờ 30
và 10 giờ 30; buổi chiều lúc 13 giờ 30 và 16 giờ 00), vào sổ và trình lãnh đạo ngay trong
ngày;</li>
<li>Văn bản đi được ký số bằng chứng thư số của người có thẩm quyền và của cơ quan, gửi
qua hệ thống; không gửi thêm bản giấy đối với văn bản đã gửi điện tử, trừ trường hợp có
quy định khác;</li>
<li>Lãnh đạo đơn vị giao việc, theo dõi tiến độ và nhận báo cáo kết quả xử lý văn bản trên
hệ thống;</li>
<li>Sử dụng thư điện tử công vụ tên miền của ngành trong trao đổi công việc; không dùng
thư điện tử cá nhân trên các dịch vụ miễn phí để gửi, nhận văn bản, số liệu công tác.</li>
</ul>
<p><strong>2. Ứng dụng CNTT trong dạy học và kiểm tra, đánh giá</strong></p>
<p>Khuyến khích giáo viên sử dụng học liệu số, bài giảng điện tử, phần mềm mô phỏng và
thí nghiệm ảo phù hợp với nội dung bài học; việc ứng dụng CNTT phải thiết thực, hiệu quả,
tránh hình thức và lạm dụng trình chiếu. Các đơn vị tăng cường khai thác:</p>
<ul>
<li>Kho học liệu số và ngân hàng câu hỏi dùng chung của ngành;</li>
<li>Các hệ thống học tập, bồi dưỡng trực tuyến dành cho giáo viên:
<ul>
<li>Hệ thống bồi dưỡng thường xuyên trực tuyến;</li>
<li>Các khóa tập huấn về kỹ năng số và an toàn thông tin.</li>
</ul>
</li>
<li>Phần mềm kiểm tra, đánh giá trực tuyến đã được thẩm định, bảo đảm bảo mật đề kiểm tra
và kết quả của học sinh.</li>
</ul>
<p><strong>3. Hồ sơ điện tử và học bạ số</strong></p>
<p>Các trường tiểu học, trung học cơ sở triển khai học bạ số theo hướng dẫn của Sở GDĐT;
rà soát thông tin học sinh, giáo viên trước khi ký số và lưu trữ hồ sơ điện tử theo đúng
thời hạn bảo quản. Các trường mầm non sử dụng hồ sơ điện tử trong quản lý trẻ, quản lý
bán trú và công khai thông tin với cha mẹ trẻ.</p>
<p><strong>4. Bảo đảm an toàn thông tin</strong></p>
<p>Thủ trưởng đơn vị chịu trách nhiệm trực tiếp về an toàn thông tin của đơn vị. Các đơn
vị phân công người quản trị hệ thống; thay đổi mật khẩu định kỳ, không dùng chung tài
khoản; cài đặt phần mềm phòng, chống mã độc; sao lưu dữ liệu quan trọng ít nhất mỗi tháng
một lần và kiểm tra khả năng phục hồi; kịp thời báo cáo Phòng GDĐT khi phát hiện sự
cố.</p>
<p><strong>5. Đầu tư cơ sở vật chất, hạ tầng CNTT</strong></p>
<p>Rà soát hiện trạng máy tính, thiết bị trình chiếu, đường truyền Internet và mạng nội
bộ; xây dựng kế hoạch sửa chữa, bổ sung phù hợp với nguồn kinh phí của đơn vị, ưu tiên
phục vụ dạy học môn Tin học và các phòng học bộ môn theo Chương trình giáo dục phổ thông
2018. Việc mua sắm thực hiện đúng quy định hiện hành.</p>

<p><strong>III. TỔ CHỨC THỰC HIỆN</strong></p>
<p>Thủ trưởng các đơn vị căn cứ kế hoạch này xây dựng kế hoạch thực hiện nhiệm vụ CNTT
năm học {nam_hoc} của đơn vị phù hợp với điều kiện thực tế; phân công một thành viên Ban
Giám hiệu phụ trách và một cán bộ, giáo viên làm đầu mối về CNTT của đơn vị.</p>
<p>Tổ Công nghệ thông tin Phòng GDĐT là đầu mối theo dõi, hướng dẫn, kiểm tra việc thực
hiện và tổng hợp kết quả làm căn cứ đánh giá thi đua về lĩnh vực CNTT năm học
{nam_hoc}.</p>
<p>Tiến độ gửi báo cáo về Phòng GDĐT qua hệ thống quản lý văn bản và điều hành:</p>
<ul>
<li>Trước {d1}: gửi kế hoạch thực hiện nhiệm vụ CNTT năm học {nam_hoc} của đơn vị;</li>
<li>Trước {d2}: gửi báo cáo sơ kết học kỳ I;</li>
<li>Trước {d3}: gửi báo cáo tổng kết năm học.</li>
</ul>
<p>Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, các đơn vị liên hệ Tổ Công nghệ
thông tin Phòng GDĐT (điện thoại 028 3930 1174) để được hướng dẫn. Phòng GDĐT đề nghị Thủ
trưởng các đơn vị triển khai, thực hiện nghiêm túc các nội dung của kế hoạch này./.</p>
""",
)

# Lines of the plan's "Nơi nhận" list around the schools (the schools are member
# recipients, delivered inside the deployment; these lines are only printed).
KE_HOACH_CNTT_BEFORE = ("Sở GDĐT (TTTT-CTGD)", "Lãnh đạo Phòng GDĐT")
KE_HOACH_CNTT_AFTER = ("Tổ chuyên môn Phòng GDĐT",)


# --- The district's letters -------------------------------------------------------------

CONG_VAN_CSDL = Letter(
    "Công văn",
    "cập nhật dữ liệu trên Cơ sở dữ liệu ngành {hoc_ky} năm học {nam_hoc}",
    """
<p>Thực hiện {kh_ref} về hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học
{nam_hoc}, để có số liệu phục vụ công tác sơ kết {hoc_ky}, Phòng Giáo dục và Đào tạo đề
nghị Hiệu trưởng các trường thực hiện một số nội dung sau:</p>
<p>1. Rà soát, cập nhật đầy đủ thông tin trường, lớp, học sinh, cán bộ quản lý, giáo
viên và nhân viên trên Cơ sở dữ liệu ngành; bảo đảm số liệu khớp với hồ sơ quản lý của
đơn vị.</p>
<p>2. Hoàn tất việc nhập kết quả đánh giá học sinh giữa {hoc_ky} trên phần mềm quản lý
trường học; kiểm tra đồng bộ dữ liệu sang Cơ sở dữ liệu ngành.</p>
<p>3. Gửi báo cáo kết quả cập nhật dữ liệu về Phòng Giáo dục và Đào tạo (Tổ Công nghệ
thông tin) qua hệ thống quản lý văn bản và điều hành trước ngày {han}.</p>
<p>Phòng Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường triển khai thực hiện nghiêm
túc, đúng thời hạn./.</p>
""",
    "Hiệu trưởng các trường tiểu học, trung học cơ sở.",
)

CONG_VAN_HOI_THI = Letter(
    "Công văn",
    "tổ chức Hội thi giáo viên dạy giỏi cấp quận năm học {nam_hoc}",
    """
<p>Nhằm tạo điều kiện để giáo viên trao đổi kinh nghiệm, đổi mới phương pháp dạy học và
ứng dụng công nghệ thông tin trong giảng dạy, Phòng Giáo dục và Đào tạo tổ chức Hội thi
giáo viên dạy giỏi cấp quận năm học {nam_hoc} như sau:</p>
<p>1. Đối tượng: giáo viên đang trực tiếp giảng dạy tại các trường tiểu học, trung học cơ
sở, đã đạt danh hiệu giáo viên dạy giỏi cấp trường năm học {nam_hoc}.</p>
<p>2. Số lượng: mỗi trường cử từ 02 đến 04 giáo viên dự thi.</p>
<p>3. Lịch tổ chức:</p>
<table>
<thead><tr><th>Nội dung</th><th>Thời gian</th><th>Địa điểm</th></tr></thead>
<tbody>
<tr><td>Đăng ký danh sách dự thi</td><td>Trước ngày {han}</td>
<td>Qua hệ thống quản lý văn bản</td></tr>
<tr><td>Thi lý thuyết</td><td>Ngày {thi_1}</td><td>Trường THCS Bạch Đằng</td></tr>
<tr><td>Thi thực hành giảng dạy</td><td>Từ ngày {thi_2}</td><td>Tại các trường có giáo viên
dự thi</td></tr>
</tbody>
</table>
<p>Phòng Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường phổ biến đến giáo viên và gửi
danh sách đăng ký đúng thời hạn./.</p>
""",
    "Hiệu trưởng các trường tiểu học, trung học cơ sở.",
)

CONG_VAN_DICH_BENH = Letter(
    "Công văn",
    "tăng cường phòng, chống bệnh tay chân miệng và sốt xuất huyết trong trường mầm non",
    """
<p>Theo thông tin của Trung tâm Y tế quận, số ca mắc bệnh tay chân miệng và sốt xuất
huyết ở trẻ em trên địa bàn có chiều hướng tăng trong những tuần gần đây. Để chủ động
phòng, chống dịch bệnh, Phòng Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường mầm non
thực hiện các nội dung sau:</p>
<ul>
<li>Vệ sinh, khử khuẩn đồ chơi, bàn ghế, sàn nhà và các bề mặt trẻ thường tiếp xúc ít
nhất hai lần mỗi tuần; thường xuyên cho trẻ rửa tay bằng xà phòng;</li>
<li>Theo dõi sức khỏe trẻ hằng ngày; khi phát hiện trẻ có dấu hiệu nghi ngờ mắc bệnh, thông
báo ngay cho cha mẹ trẻ và trạm y tế phường;</li>
<li>Loại bỏ các dụng cụ chứa nước đọng trong khuôn viên trường, phối hợp với phường tổ chức
phun thuốc diệt muỗi khi có yêu cầu;</li>
<li>Báo cáo ngay về Phòng Giáo dục và Đào tạo (Tổ Mầm non) khi có trường hợp trẻ mắc bệnh
tại đơn vị.</li>
</ul>
<p>Phòng Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường mầm non khẩn trương triển khai
thực hiện./.</p>
""",
    "Hiệu trưởng các trường mầm non.",
)

GIAY_MOI_TAP_HUAN = Letter(
    "Giấy mời",
    "Mời dự tập huấn sử dụng chữ ký số trên hệ thống quản lý văn bản và điều hành",
    """
<p>Phòng Giáo dục và Đào tạo Quận 3 trân trọng kính mời Hiệu trưởng (hoặc Phó Hiệu trưởng
phụ trách công nghệ thông tin) và nhân viên văn thư các trường dự buổi tập huấn sử dụng
chữ ký số trên hệ thống quản lý văn bản và điều hành.</p>
<p>Thời gian: 08 giờ 00, ngày {ngay_hop}.</p>
<p>Địa điểm: Hội trường Phòng Giáo dục và Đào tạo, số 185 Cách Mạng Tháng Tám, Phường Võ
Thị Sáu, Quận 3.</p>
<p>Đề nghị các đồng chí mang theo máy tính xách tay có kết nối Internet và thiết bị chứng
thư số của đơn vị. Rất mong các đồng chí tham dự đầy đủ, đúng giờ./.</p>
""",
)


# --- The schools' letters to the district -------------------------------------------------

BAO_CAO_CSDL = Letter(
    "Báo cáo",
    "Báo cáo kết quả cập nhật dữ liệu trên Cơ sở dữ liệu ngành {hoc_ky} năm học {nam_hoc}",
    """
<p>Thực hiện {cv_ref} về việc cập nhật dữ liệu trên Cơ sở dữ liệu ngành {hoc_ky} năm học
{nam_hoc}, {school} báo cáo kết quả thực hiện như sau:</p>
<p><strong>1. Kết quả cập nhật</strong></p>
<table>
<thead><tr><th>Nội dung</th><th>Số lượng</th><th>Đã cập nhật</th><th>Tỷ lệ</th></tr></thead>
<tbody>
<tr><td>Lớp học</td><td>{lop}</td><td>{lop}</td><td>100%</td></tr>
<tr><td>Học sinh</td><td>{hoc_sinh}</td><td>{hoc_sinh}</td><td>100%</td></tr>
<tr><td>Cán bộ quản lý, giáo viên, nhân viên</td><td>{doi_ngu}</td><td>{doi_ngu}</td>
<td>100%</td></tr>
</tbody>
</table>
<p><strong>2. Khó khăn, đề xuất</strong></p>
<p>Một số học sinh chuyển trường trong học kỳ chưa được trường cũ chuyển hồ sơ trên hệ
thống; đề nghị Phòng Giáo dục và Đào tạo hướng dẫn các trường phối hợp xử lý dứt điểm.</p>
<p>Trên đây là báo cáo của {school}./.</p>
""",
)

KE_HOACH_TRUONG = Letter(
    "Kế hoạch",
    "Kế hoạch thực hiện nhiệm vụ công nghệ thông tin năm học {nam_hoc}",
    """
<p>Căn cứ {kh_ref} về hướng dẫn thực hiện nhiệm vụ công nghệ thông tin năm học
{nam_hoc}; căn cứ tình hình thực tế của nhà trường, {school} xây dựng kế hoạch thực hiện
nhiệm vụ công nghệ thông tin năm học {nam_hoc} như sau:</p>
<p><strong>I. MỤC TIÊU</strong></p>
<p>Ứng dụng công nghệ thông tin đồng bộ trong quản lý, dạy học và kiểm tra, đánh giá; sử
dụng hồ sơ điện tử và văn bản điện tử có chữ ký số trong hoạt động của nhà trường.</p>
<p><strong>II. NHIỆM VỤ VÀ GIẢI PHÁP</strong></p>
<p>1. Cập nhật đầy đủ, đúng hạn dữ liệu trên Cơ sở dữ liệu ngành; phân công giáo viên Tin
học làm đầu mối.</p>
<p>2. Tổ chức bồi dưỡng kỹ năng số cho giáo viên, nhân viên theo từng học kỳ.</p>
<p>3. Sao lưu dữ liệu hằng tháng; rà soát, thay mật khẩu các tài khoản quản trị.</p>
<p><strong>III. TỔ CHỨC THỰC HIỆN</strong></p>
<p>Các tổ chuyên môn, tổ văn phòng căn cứ kế hoạch này triển khai thực hiện; định kỳ báo
cáo kết quả về Ban Giám hiệu để tổng hợp báo cáo Phòng Giáo dục và Đào tạo./.</p>
""",
)

BAO_CAO_VAN_BAN_SO = Letter(
    "Báo cáo",
    "Báo cáo tình hình sử dụng văn bản điện tử và chữ ký số tháng {thang_truoc}",
    """
<p>{school} báo cáo tình hình sử dụng hệ thống quản lý văn bản và điều hành, văn bản điện
tử có chữ ký số trong tháng {thang_truoc} như sau:</p>
<ul>
<li>Văn bản đến được tiếp nhận và vào sổ trên hệ thống trong ngày: đạt 100%;</li>
<li>Văn bản đi được ký số và gửi qua hệ thống: đạt 100%, không phát sinh bản giấy;</li>
<li>Chứng thư số của Hiệu trưởng và của nhà trường còn hiệu lực, được quản lý đúng quy
định.</li>
</ul>
<p>Nhà trường đề nghị Phòng Giáo dục và Đào tạo tiếp tục tổ chức tập huấn cho nhân viên
văn thư mới được tuyển dụng./.</p>
""",
)

TO_TRINH_THIET_BI = Letter(
    "Tờ trình",
    "Tờ trình đề nghị bổ sung máy tính phục vụ công tác quản lý và dạy học",
    """
<p>Hiện nay nhà trường có 05 máy tính phục vụ công tác quản lý và 02 máy tính dùng cho
các lớp, trong đó 03 máy đã sử dụng trên 08 năm, thường xuyên hư hỏng, không đáp ứng yêu
cầu cập nhật dữ liệu và tổ chức hoạt động cho trẻ.</p>
<p>{school} kính trình Phòng Giáo dục và Đào tạo xem xét, đề xuất bổ sung 03 máy tính để
bàn và 01 máy chiếu cho nhà trường trong năm học {nam_hoc}.</p>
<p>Kính trình Phòng Giáo dục và Đào tạo xem xét, giải quyết./.</p>
""",
)


# --- Drafts and documents on their way (no number yet) -----------------------------------

DISTRICT_DRAFTS: dict[str, Letter] = {
    "tccb": Letter(
        "Công văn",
        "báo cáo số lượng viên chức, người lao động năm học {nam_hoc}",
        """
<p>Để có cơ sở xây dựng kế hoạch biên chế năm học tới, Phòng Giáo dục và Đào tạo đề nghị
Hiệu trưởng các trường báo cáo số lượng viên chức, người lao động hiện có theo biểu mẫu
đính kèm.</p>
<p>Báo cáo gửi về Phòng Giáo dục và Đào tạo (Tổ Tổ chức cán bộ) qua hệ thống./.</p>
""",
        "Hiệu trưởng các trường mầm non, tiểu học, trung học cơ sở.",
    ),
    "khtc": Letter(
        "Công văn",
        "hướng dẫn thực hiện các khoản thu, chi năm học {nam_hoc}",
        """
<p>Phòng Giáo dục và Đào tạo hướng dẫn các trường thực hiện các khoản thu, chi năm học
{nam_hoc} như sau:</p>
<p>1. Các khoản thu theo quy định phải được công khai trước khi thu.</p>
<p>2. Không thu các khoản ngoài danh mục đã được Hội đồng nhân dân thành phố quy định./.</p>
""",
        "Hiệu trưởng các trường mầm non, tiểu học, trung học cơ sở.",
    ),
    "phothong": Letter(
        "Kế hoạch",
        "Kế hoạch kiểm tra nội bộ trường học năm học {nam_hoc}",
        """
<p><strong>I. MỤC ĐÍCH, YÊU CẦU</strong></p>
<p>Đánh giá việc thực hiện nhiệm vụ năm học của các trường; kịp thời phát hiện, chấn chỉnh
những hạn chế trong công tác quản lý.</p>
<p><strong>II. NỘI DUNG KIỂM TRA</strong></p>
<p>1. Việc thực hiện chương trình, kế hoạch giáo dục.</p>
<p>2. Hồ sơ quản lý, hồ sơ chuyên môn, hồ sơ điện tử.</p>
<p><strong>III. TỔ CHỨC THỰC HIỆN</strong></p>
<p>Các tổ chuyên môn Phòng Giáo dục và Đào tạo phối hợp thực hiện theo lịch kèm theo./.</p>
""",
    ),
    "cntt": Letter(
        "Kế hoạch",
        "Kế hoạch bảo đảm an toàn thông tin mạng trong các cơ sở giáo dục năm {nam}",
        """
<p><strong>I. MỤC ĐÍCH, YÊU CẦU</strong></p>
<p>Nâng cao năng lực phòng ngừa, phát hiện và xử lý sự cố an toàn thông tin của các đơn
vị.</p>
<p><strong>II. NHIỆM VỤ</strong></p>
<p>1. Rà soát tài khoản quản trị, thay mật khẩu định kỳ.</p>
<p>2. Sao lưu dữ liệu quan trọng hằng tháng.</p>
<p><strong>III. TỔ CHỨC THỰC HIỆN</strong></p>
<p>Tổ Công nghệ thông tin theo dõi, tổng hợp và báo cáo Lãnh đạo Phòng./.</p>
""",
    ),
    "mamnon": Letter(
        "Kế hoạch",
        "Kế hoạch tổ chức Hội thi giáo viên mầm non dạy giỏi cấp quận năm học {nam_hoc}",
        """
<p><strong>I. MỤC ĐÍCH, YÊU CẦU</strong></p>
<p>Tạo điều kiện để giáo viên mầm non giao lưu, học hỏi kinh nghiệm tổ chức hoạt động cho
trẻ.</p>
<p><strong>II. NỘI DUNG, HÌNH THỨC</strong></p>
<p>Mỗi giáo viên dự thi tổ chức 01 hoạt động học và 01 hoạt động vui chơi cho trẻ.</p>
<p><strong>III. TỔ CHỨC THỰC HIỆN</strong></p>
<p>Tổ Mầm non Phòng Giáo dục và Đào tạo chủ trì, phối hợp các trường tổ chức./.</p>
""",
    ),
    "phothong2": Letter(
        "Thông báo",
        "Thông báo lịch kiểm tra công tác chuyên môn tháng {thang_toi}",
        """
<p>Phòng Giáo dục và Đào tạo thông báo lịch kiểm tra công tác chuyên môn tại các trường
tiểu học, trung học cơ sở trong tháng {thang_toi} theo lịch đính kèm.</p>
<p>Đề nghị Hiệu trưởng các trường chuẩn bị hồ sơ theo nội dung kiểm tra./.</p>
""",
    ),
}

SCHOOL_DRAFTS: tuple[Letter, ...] = (
    Letter(
        "Kế hoạch",
        "Kế hoạch tổ chức chuyên đề ứng dụng công nghệ thông tin trong dạy học {hoc_ky}",
        """
<p><strong>I. MỤC ĐÍCH</strong></p>
<p>Chia sẻ kinh nghiệm sử dụng học liệu số và bài giảng điện tử giữa các giáo viên.</p>
<p><strong>II. THỜI GIAN, ĐỊA ĐIỂM</strong></p>
<p>Tổ chức trong tháng {thang_toi} tại phòng họp của nhà trường.</p>
<p><strong>III. TỔ CHỨC THỰC HIỆN</strong></p>
<p>Các tổ chuyên môn đăng ký người thực hiện chuyên đề với Ban Giám hiệu./.</p>
""",
    ),
    Letter(
        "Báo cáo",
        "Báo cáo kết quả hoạt động chuyên môn tháng {thang_truoc}",
        """
<p>{school} báo cáo kết quả hoạt động chuyên môn tháng {thang_truoc} như sau:</p>
<p>1. Thực hiện đúng chương trình, kế hoạch giáo dục; tổ chức sinh hoạt chuyên môn theo
nghiên cứu bài học ở tất cả các tổ.</p>
<p>2. Dự giờ, thăm lớp: 24 tiết, xếp loại tốt 18 tiết, khá 6 tiết./.</p>
""",
    ),
    Letter(
        "Tờ trình",
        "Tờ trình đề nghị cử giáo viên tham gia bồi dưỡng chuyên môn năm học {nam_hoc}",
        """
<p>Căn cứ nhu cầu bồi dưỡng đội ngũ năm học {nam_hoc}, {school} kính trình Phòng Giáo dục
và Đào tạo xem xét, cho phép nhà trường cử 02 giáo viên tham gia lớp bồi dưỡng chuyên môn
do Sở Giáo dục và Đào tạo tổ chức.</p>
<p>Kính trình Phòng Giáo dục và Đào tạo xem xét, giải quyết./.</p>
""",
    ),
)

SEND_BACK_REASONS = (
    "Đề nghị bổ sung «Tổ chuyên môn Phòng GDĐT» vào nơi nhận và rà soát lại mốc thời gian "
    "gửi báo cáo.",
    "Đề nghị ghi rõ căn cứ pháp lý và điều chỉnh thể thức phần nơi nhận theo Nghị định "
    "30/2020/NĐ-CP.",
)


# --- The district's directives (report requests: eoffice.demo.directives) ---------------

CONG_VAN_SO_LIEU_DAU_NAM = Letter(
    "Công văn",
    "báo cáo số liệu học sinh đầu năm học {nam_hoc}",
    """
<p>Để có số liệu phục vụ công tác tổng hợp, báo cáo Ủy ban nhân dân Quận 3 và Sở Giáo dục
và Đào tạo về quy mô trường, lớp, học sinh đầu năm học {nam_hoc}, Phòng Giáo dục và Đào tạo
đề nghị Hiệu trưởng các trường thực hiện các nội dung sau:</p>
<p>1. Rà soát, chốt số liệu lớp, học sinh (trẻ) của đơn vị tại thời điểm đầu năm học; bảo
đảm số liệu khớp với Cơ sở dữ liệu ngành và hồ sơ quản lý của nhà trường.</p>
<p>2. Báo cáo tổng số học sinh (trẻ) của đơn vị và gửi biểu thống kê số lớp, số học sinh
theo khối lớp (độ tuổi), giới tính, dân tộc qua hệ thống quản lý văn bản và điều hành,
mục «Yêu cầu báo cáo», trước ngày {han}.</p>
<p>3. Trường hợp có khó khăn trong việc chốt số liệu, đơn vị báo cáo về Phòng Giáo dục và
Đào tạo (Tổ Kế hoạch - Tài chính) trước thời hạn để được xem xét gia hạn.</p>
<p>Phòng Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường triển khai thực hiện nghiêm
túc, đúng thời hạn./.</p>
""",
    "Hiệu trưởng các trường mầm non, tiểu học, trung học cơ sở.",
)

CONG_VAN_HOI_KHOE = Letter(
    "Công văn",
    "tổ chức Hội khỏe Phù Đổng cấp trường năm học {nam_hoc}",
    """
<p>Thực hiện kế hoạch tổ chức Hội khỏe Phù Đổng các cấp năm học {nam_hoc}, nhằm đẩy mạnh
phong trào rèn luyện thân thể, phát hiện và bồi dưỡng học sinh có năng khiếu thể dục thể
thao, Phòng Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường tiểu học, trung học cơ sở
thực hiện các nội dung sau:</p>
<p>1. Xây dựng kế hoạch và tổ chức Hội khỏe Phù Đổng cấp trường, hoàn thành trước ngày
{hoi_khoe}; thành lập Ban tổ chức, phân công giáo viên thể dục và giáo viên chủ nhiệm phụ
trách từng nội dung thi đấu.</p>
<p>2. Các môn thi đấu: điền kinh, bơi lội, cờ vua, bóng đá mini, kéo co; nhà trường lựa
chọn môn phù hợp với điều kiện cơ sở vật chất của đơn vị.</p>
<p>3. Gửi kế hoạch tổ chức Hội khỏe Phù Đổng cấp trường và thông tin cán bộ phụ trách về
Phòng Giáo dục và Đào tạo (Tổ Phổ thông) qua hệ thống quản lý văn bản và điều hành trước
ngày {han}.</p>
<p>Kết quả Hội khỏe Phù Đổng cấp trường là căn cứ để các trường chọn vận động viên tham
dự Hội khỏe Phù Đổng cấp quận./.</p>
""",
    "Hiệu trưởng các trường tiểu học, trung học cơ sở.",
)

CONG_VAN_CHUYEN_DOI_SO = Letter(
    "Công văn",
    "triển khai thí điểm chuyển đổi số tại các trường Cụm phía Bắc năm học {nam_hoc}",
    """
<p>Thực hiện kế hoạch chuyển đổi số của ngành Giáo dục và Đào tạo Quận 3, Phòng Giáo dục
và Đào tạo chọn các trường thuộc Cụm trường phía Bắc (Phường 9, Phường 12) triển khai thí
điểm học bạ số, sổ điểm điện tử và hồ sơ chuyên môn điện tử trong năm học {nam_hoc}. Phòng
Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường trong cụm:</p>
<p>1. Xây dựng kế hoạch chuyển đổi số của đơn vị, nêu rõ mục tiêu, lộ trình, phân công
nhiệm vụ và điều kiện bảo đảm (hạ tầng, thiết bị, chữ ký số, bồi dưỡng giáo viên).</p>
<p>2. Gửi kế hoạch về Phòng Giáo dục và Đào tạo (Tổ Công nghệ thông tin) qua hệ thống quản
lý văn bản và điều hành trước ngày {han}.</p>
<p>3. Cử cán bộ quản lý phụ trách công nghệ thông tin dự sinh hoạt chuyên đề chuyển đổi số
của cụm vào tuần kế tiếp.</p>
<p>Phòng Giáo dục và Đào tạo đề nghị Hiệu trưởng các trường quan tâm, triển khai thực
hiện./.</p>
""",
    "Hiệu trưởng các trường thuộc Cụm trường phía Bắc.",
)
