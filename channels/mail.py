"""Reading a raw e-mail: headers in any charset (GBK and GB2312 read as GB18030),
base64 and quoted-printable bodies, HTML-only mail turned into text, attachments.
Pure functions, no database."""

from __future__ import annotations

import email
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from email.header import decode_header
from email.message import Message
from html.parser import HTMLParser

# GB2312 and GBK are subsets of GB18030: mail labelled with them often holds
# characters only the larger set has.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "": "utf-8",
    "us-ascii": "utf-8",
    "unknown-8bit": "gb18030",
}


class MailParseError(Exception):
    """The mail cannot be turned into a ticket; it is kept for a person."""


@dataclass
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    text: str
    date: object = None
    auto_submitted: bool = False
    attachments: list[Attachment] = field(default_factory=list)


def _codec(charset: str | None) -> str:
    name = (charset or "").strip().lower()
    name = CHARSET_ALIASES.get(name, name)
    try:
        "".encode(name)
    except LookupError:
        return "gb18030"
    return name


def bytes_text(data: bytes, charset: str | None) -> str:
    return data.decode(_codec(charset), errors="replace")


def _raw_text(data: bytes) -> str:
    """8-bit bytes in a header with no charset named: UTF-8, else GB18030."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def header_text(value, *, again: bool = True) -> str:
    """A header decoded from its RFC 2047 words, whatever charsets they name
    (raw 8-bit headers too)."""
    if value is None or value == "":
        return ""
    parts = []
    for chunk, charset in decode_header(value):
        if isinstance(chunk, bytes):
            if charset is None and isinstance(value, str):
                # decode_header keeps a str's plain parts this way
                parts.append(chunk.decode("raw-unicode-escape"))
            elif charset in (None, "unknown-8bit"):
                parts.append(_raw_text(chunk))
            else:
                parts.append(bytes_text(chunk, charset))
        else:
            parts.append(chunk)
    text = "".join(parts)
    if again and "=?" in text:
        text = header_text(text, again=False)
    return re.sub(r"\s+", " ", text).strip()


def message_key(raw: bytes) -> tuple[str, str]:
    """(unique key, Message-ID) of a raw mail: its Message-ID with its sender's
    address when it has one (so that a stranger reusing someone's Message-ID
    cannot suppress their mail), else a hash of its bytes (the same bytes read
    twice give the same key)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    headers = email.message_from_bytes(head)
    message_id = str(headers.get("Message-ID") or "").strip().strip("<>").strip()
    if message_id:
        sender = email.utils.parseaddr(header_text(headers.get("From")))[1].lower()
        text = f"mid:{message_id}\nfrom:{sender}".encode(errors="surrogateescape")
        return hashlib.sha256(text).hexdigest(), message_id
    return hashlib.sha256(b"raw:" + raw).hexdigest(), ""


class _TextFromHtml(HTMLParser):
    BLOCKS = {
        "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
        "table", "ul", "ol", "blockquote", "pre", "hr",
    }  # fmt: skip
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")
        elif tag == "td":
            self.out.append(" ")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(self.skipping - 1, 0)
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _TextFromHtml()
    parser.feed(html)
    parser.close()
    lines = [
        re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip()
        for line in "".join(parser.out).split("\n")
    ]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _part_text(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    return bytes_text(data, part.get_content_charset())


def _filename(part: Message) -> str:
    name = part.get_filename()
    if name is None:
        return ""
    if "=?" in name or any("\udc80" <= c <= "\udcff" for c in name):
        return header_text(
            name.encode("ascii", "surrogateescape") if "=?" not in name else name
        )
    return name


def parse_mail(raw: bytes) -> ParsedMail:
    """Everything a ticket needs from one mail; MailParseError when there is no
    sender to answer or nothing readable in it."""
    if not raw or not raw.strip():
        raise MailParseError("empty mail")
    try:
        message = email.message_from_bytes(raw)
    except Exception as exc:  # the parser is lenient; anything it raises is fatal
        raise MailParseError(f"unreadable: {exc}") from exc
    name, address = email.utils.parseaddr(header_text(message.get("From")))
    address = address.strip()
    if not address or "@" not in address or " " in address:
        raise MailParseError("no sender address")
    text, html = "", ""
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        content_type = part.get_content_type()
        if disposition == "attachment" or (
            filename and content_type not in ("text/plain", "text/html")
        ):
            attachments.append(
                Attachment(
                    name=filename or "attachment",
                    content_type=content_type,
                    data=part.get_payload(decode=True) or b"",
                )
            )
        elif content_type == "text/plain" and not text:
            text = _part_text(part)
        elif content_type == "text/html" and not html:
            html = _part_text(part)
    if not text.strip() and html.strip():
        text = html_to_text(html)
    text = text.replace("\r\n", "\n").strip()
    if message.defects and not text and not attachments:
        raise MailParseError(
            "malformed: " + ", ".join(d.__class__.__name__ for d in message.defects)
        )
    if not text and not attachments:
        raise MailParseError("no readable text")
    date = None
    try:
        date = email.utils.parsedate_to_datetime(message.get("Date") or "")
    except (TypeError, ValueError, IndexError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None
    auto = (message.get("Auto-Submitted") or "no").strip().lower()
    return ParsedMail(
        message_id=message_key(raw)[1],
        from_address=address.lower(),
        from_name=name.strip(),
        subject=header_text(message.get("Subject")),
        text=text,
        date=date,
        auto_submitted=auto != "no",
        attachments=attachments,
    )
