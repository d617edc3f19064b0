"""The spreadsheet column headers a directory CSV may use, in Chinese or English, and how a
header is compared (``header_key``: without case, spaces or underscores, NFKC-normalised, so a
full-width "ＩＤ" is "id"). Read by ``kiosk.core.directory.file``.
"""

from __future__ import annotations

import re
import unicodedata


def header_key(text: str) -> str:
    """``text`` as compared against the aliases below."""
    return re.sub(r"[\s_]+", "", unicodedata.normalize("NFKC", text)).lower()


#: spreadsheet headers (compared without case, spaces or underscores) → field names
HOST_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "工号", "员工编号"),
    "department": ("department", "departmentid", "部门", "部门编号"),
    "name_zh": ("namezh", "姓名", "中文名", "中文姓名"),
    "name_en": ("nameen", "英文名", "英文姓名", "englishname"),
    "floor": ("floor", "楼层"),
    "room": ("room", "房间", "房间号", "办公室"),
    "email": ("email", "e-mail", "邮箱", "电子邮件", "电子邮箱", "邮件"),
    "phone": ("phone", "手机", "电话", "手机号", "手机号码", "联系电话"),
    "language": ("language", "语言"),
    "away": ("away", "外出", "不在"),
    "delegate": ("delegate", "delegateid", "代理人", "代理"),
    "notify_urls": ("notifyurls", "通知", "通知地址", "通知渠道"),
}
DEPARTMENT_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "部门编号"),
    "name_zh": ("namezh", "中文名称", "部门名称", "名称", "中文名"),
    "name_en": ("nameen", "英文名称", "英文名"),
    "floor": ("floor", "楼层"),
    "room": ("room", "房间", "房间号"),
}
