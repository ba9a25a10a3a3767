"""Files people upload for staff to open (an objection's evidence, a commitment letter, a
sample's page capture): scans and documents only — the extension and the file's first bytes
must agree, so a program renamed 证明.pdf is refused before anyone downloads it."""

from __future__ import annotations

import os

#: extension → how such a file starts
ACCEPTED_DOCUMENTS = {".pdf": b"%PDF-", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff", ".png": b"\x89PNG\r\n\x1a\n"}
#: a text file: no NUL byte at its start (every program file has some)
TEXT = b""
#: a sample's attachments besides: a shop page as the browser saves it (HTML, MHTML) and the OFD
#: of an electronic invoice (购样凭证; OFD is a ZIP package, GB/T 33190)
ACCEPTED_ATTACHMENTS = {**ACCEPTED_DOCUMENTS, ".ofd": b"PK\x03\x04", ".html": TEXT, ".htm": TEXT, ".mht": TEXT, ".mhtml": TEXT}
#: how many first bytes the checks read
HEAD_BYTES = 512


#: extensions named as another in messages
_ALIASES = {".jpeg": ".jpg", ".htm": ".html", ".mhtml": ".mht"}


def _names(accepted: dict[str, bytes]) -> str:
    names = list(dict.fromkeys(_ALIASES.get(ext, ext)[1:].upper() for ext in accepted))
    return "、".join(names[:-1]) + " 或 " + names[-1]


def document_problem(name: str, head: bytes, accepted: dict[str, bytes] = ACCEPTED_DOCUMENTS) -> str | None:
    """Why a file named ``name`` starting with ``head`` (its first :data:`HEAD_BYTES`) may not be
    uploaded, or ``None``; ``accepted``: extension → how such a file starts (:data:`TEXT`: text)."""
    extension = os.path.splitext(name)[1].lower()
    kinds = _names(accepted)
    if extension not in accepted:
        return f"只能上传 {kinds} 文件（“{name}”不是）；其他格式请先转换为 PDF"
    start = accepted[extension]
    if (b"\x00" in head[:HEAD_BYTES]) if start == TEXT else not head.startswith(start):
        return f"“{name}”的内容不是 {extension[1:].upper()} 文件（可能改过扩展名）：请上传原始的 {kinds} 文件"
    return None
