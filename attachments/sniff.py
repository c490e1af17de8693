"""What a file is, judged by its first bytes (never by its name): images, PDF,
office documents, plain text and zip archives are accepted; anything else —
HTML and other markup included, whatever it is called — is not."""

from __future__ import annotations

import io
import zipfile

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc .xls .ppt
TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13}
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1"}


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return ""
    prefixes = {name.split("/", 1)[0] for name in names}
    if "word" in prefixes:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if "xl" in prefixes:
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if "ppt" in prefixes:
        return (
            "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        )
    return "application/zip"


def _text_kind(data: bytes) -> str:
    sample = data[:65536]
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = sample.decode(encoding)
            break
        except UnicodeDecodeError:
            # A multi-byte character may be cut at the end of the sample.
            if len(data) > len(sample):
                try:
                    text = sample[:-3].decode(encoding)
                    break
                except UnicodeDecodeError:
                    continue
    if text is None or any(ord(c) in TEXT_CONTROLS for c in text):
        return ""
    # Markup (HTML, SVG, XML) is refused: a browser could run it.
    if text.lstrip().startswith("<"):
        return ""
    lowered = text.lower()
    if any(
        tag in lowered for tag in ("<script", "<html", "<svg", "<iframe", "<!doctype")
    ):
        return ""
    return "text/plain"


def sniff(data: bytes) -> str:
    """The MIME type of an accepted file, or "" when the content is refused."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS:
        return "image/heic"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(OLE2):
        return "application/x-ole-storage"  # Word, Excel or PowerPoint 97–2003
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_kind(data)
    if not data:
        return ""
    return _text_kind(data)
