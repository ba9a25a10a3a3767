"""Files people upload for staff to open (an objection's evidence, a commitment letter):
scans and documents only — the extension and the file's first bytes must agree, so a program
renamed 证明.pdf is refused before anyone downloads it."""

from __future__ import annotations

import os

#: extension → how such a file starts
ACCEPTED_DOCUMENTS = {".pdf": b"%PDF-", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG\r\n\x1a\n"}


def document_problem(name: str, head: bytes) -> str | None:
    """Why a file named ``name`` starting with ``head`` (its first 16 bytes suffice) may not be
    uploaded as a document, or ``None``."""
    extension = os.path.splitext(name)[1].lower()
    if extension not in ACCEPTED_DOCUMENTS:
        return f"只能上传 PDF、JPG 或 PNG 文件（“{name}”不是）；其他格式请先转换为 PDF"
    if not head.startswith(ACCEPTED_DOCUMENTS[extension]):
        return f"“{name}”的内容不是 {extension[1:].upper()} 文件（可能改过扩展名）：请上传原始的 PDF、JPG 或 PNG 文件"
    return None
