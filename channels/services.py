"""Writes of the channels: what customers are sent at each moment of a ticket,
inbound mail turned into tickets (once per Message-ID), the settings pages, and
broadcasts to the departments' group robots."""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import ipaddress
import logging
import re
import ssl
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.validators import URLValidator, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Department, User
from attachments.services import name_clean
from channels.adapters import attachment_store, ticket_link_issue
from channels.mail import MailParseError, ParsedMail, message_key, parse_mail
from channels.models import InboundMail, Mailbox, MessageTemplate, Robot, SmsGateway
from channels.permissions import (
    can_handle_inbound_mail,
    can_manage_channels,
    can_manage_templates,
)
from channels.selectors import mailbox_get, robots_of, sms_gateway_get, template_for
from core.audit import audit_record
from core.errors import DomainError
from core.versioning import version_check
from customers.models import Contact, Customer
from customers.services import customer_create
from notify.models import Message
from notify.services import notify_send, notify_user
from tickets.models import Ticket, TicketEvent
from tickets.permissions import can_register_tickets
from tickets.selectors import service_dispatcher
from tickets.services import ENTRY_EMAIL, ticket_create, ticket_inbound_event
from tickets.validation import TEXT_MAX

log = logging.getLogger(__name__)

# --- templates ---------------------------------------------------------------------

PLACEHOLDERS = {
    "number": gettext_lazy("工单号"),
    "subject": gettext_lazy("工单主题"),
    "customer": gettext_lazy("客户名称"),
    "status": gettext_lazy("工单状态"),
    "link": gettext_lazy("客户专用链接"),
    "reply": gettext_lazy("答复内容（答复客户时）"),
}
PLACEHOLDER = re.compile(r"\{([A-Za-z_]+)\}")
# What each template must carry: the number in an e-mail's subject, the link in
# every body.
REQUIRED = {
    MessageTemplate.Code.ACK: {"subject": ["number"], "body": ["link"]},
    MessageTemplate.Code.REPLY: {"subject": ["number"], "body": ["link", "reply"]},
    MessageTemplate.Code.CLOSE: {"subject": ["number"], "body": ["link"]},
    MessageTemplate.Code.SMS_ACK: {"subject": [], "body": ["number", "link"]},
}


def template_render(text: str, values: dict[str, str]) -> str:
    """Fill in the known placeholders; the rest of the text is left as written."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _template_text_check(code: str, field: str, text: str) -> None:
    unknown = sorted(set(PLACEHOLDER.findall(text)) - set(PLACEHOLDERS))
    if unknown:
        raise DomainError(
            _("不认识的占位符：%(names)s。可用的占位符见下方说明。")
            % {"names": "、".join(f"{{{n}}}" for n in unknown)},
            field=field,
            code="unknown_placeholder",
        )
    missing = [n for n in REQUIRED[code][field] if f"{{{n}}}" not in text]
    if missing:
        raise DomainError(
            _("必须包含占位符：%(names)s。")
            % {"names": "、".join(f"{{{n}}}" for n in missing)},
            field=field,
            code="required_placeholder",
        )


@transaction.atomic
def template_update(
    *,
    actor: User,
    template: MessageTemplate,
    subject: str,
    body: str,
    is_active: bool,
    version: int | None,
    request: HttpRequest | None = None,
) -> MessageTemplate:
    """Change the text customers receive (the service manager); audited."""
    if not can_manage_templates(actor):
        raise PermissionDenied
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    version_check(template, version)
    subject = (subject or "").strip()
    body = (body or "").strip()
    if template.code != MessageTemplate.Code.SMS_ACK:
        if not subject:
            raise DomainError(_("请填写邮件主题。"), field="subject", code="required")
        if len(subject) > 200:
            raise DomainError(
                _("邮件主题最多 200 个字符。"), field="subject", code="max_length"
            )
        _template_text_check(template.code, "subject", subject)
    else:
        subject = ""
    if not body:
        raise DomainError(_("请填写正文。"), field="body", code="required")
    if len(body) > (500 if template.code == MessageTemplate.Code.SMS_ACK else 5000):
        raise DomainError(_("正文太长。"), field="body", code="max_length")
    _template_text_check(template.code, "body", body)
    template.subject, template.body = subject, body
    template.is_active = bool(is_active)
    template.updated_by, template.updated_at = actor, timezone.now()
    template.version += 1
    template.save()
    audit_record(
        event="channels.template_update",
        actor=actor,
        request=request,
        obj=template,
        data={"code": template.code, "is_active": template.is_active},
    )
    return template


# --- messages to the customer -------------------------------------------------------

MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


def customer_email(ticket: Ticket) -> str:
    """Where the customer reads mail: the ticket's contact, else the customer."""
    contact = ticket.contact
    if contact is not None and contact.deleted_at is None and contact.email:
        return contact.email
    return ticket.customer.email or ""


def customer_mobile(ticket: Ticket) -> str:
    contact = ticket.contact
    candidates = []
    if contact is not None and contact.deleted_at is None:
        candidates += [contact.mobile, contact.phone]
    candidates.append(ticket.customer.phone)
    for phone in candidates:
        digits = re.sub(r"[\s-]", "", phone or "")
        if MOBILE.match(digits):
            return digits
    return ""


def _moment(event: TicketEvent) -> str | None:
    kind = event.kind
    if kind == TicketEvent.Kind.CREATED:
        return MessageTemplate.Code.ACK
    if kind == TicketEvent.Kind.REPLY and event.is_public:
        return MessageTemplate.Code.REPLY
    if kind == TicketEvent.Kind.STATUS and (event.data or {}).get("to") == "closed":
        return MessageTemplate.Code.CLOSE
    return None


def customer_message_queue(*, event: TicketEvent) -> Message | None:
    """Queue what the customer receives for this timeline event — the
    acknowledgement, a reply, the closing notice — by e-mail, or the link by SMS
    when no e-mail is known. Keyed by the event: written once however often it
    is called; delivered after commit by notify."""
    code = _moment(event)
    if code is None:
        return None
    ticket = event.ticket
    email = customer_email(ticket)
    channel, recipient = Message.Channel.EMAIL, email
    if not email:
        if code != MessageTemplate.Code.ACK:
            return None
        code, channel = MessageTemplate.Code.SMS_ACK, Message.Channel.SMS
        recipient = customer_mobile(ticket)
        if not recipient or not sms_gateway_get().is_enabled:
            return None
    template = template_for(code)
    if template is None:
        return None
    key = f"ticket-event:{event.pk}:{code}"
    existing = Message.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    values = {
        "number": ticket.number,
        "subject": ticket.subject,
        "customer": ticket.customer.name,
        "status": ticket.get_status_display(),
        "link": ticket_link_issue(ticket),
        "reply": event.body if code == MessageTemplate.Code.REPLY else "",
    }
    return notify_send(
        channel=channel,
        recipient=recipient,
        subject=template_render(template.subject, values),
        body=template_render(template.body, values),
        key=key,
        data={
            "ticket": ticket.pk,
            "event": event.pk,
            "template": code,
            **(
                {"params": {"number": ticket.number, "link": values["link"]}}
                if channel == Message.Channel.SMS
                else {}
            ),
        },
    )


# --- inbound mail ----------------------------------------------------------------


def ticket_number_in(subject: str) -> str | None:
    prefix = re.escape(settings.KEFU_TICKET_PREFIX)
    found = re.search(rf"(?<![A-Za-z0-9]){prefix}\d{{8}}-\d{{5,}}", subject, re.I)
    return found.group(0).upper() if found else None


SUBJECT_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE
)


def _subject_clean(subject: str) -> str:
    subject = SUBJECT_PREFIX.sub("", subject or "").strip()
    return (subject or _("（无主题的来信）"))[:200]


def _sender_matches(ticket: Ticket, address: str) -> bool:
    """Is the sender one of the ticket's customer's contacts (or the customer)?"""
    if (ticket.customer.email or "").lower() == address:
        return True
    return Contact.objects.filter(
        customer_id=ticket.customer_id, email__iexact=address
    ).exists()


def _sender_customer(
    mail: ParsedMail, *, actor: User
) -> tuple[Customer, Contact | None]:
    """The contact (and its customer) the sender is, else a customer with this
    address, else a new private customer registered from the mail."""
    contact = (
        Contact.objects.filter(email__iexact=mail.from_address)
        .select_related("customer")
        .filter(customer__deleted_at__isnull=True)
        .order_by("-is_primary", "id")
        .first()
    )
    if contact is not None:
        return contact.customer, contact
    customer = (
        Customer.objects.filter(email__iexact=mail.from_address).order_by("id").first()
    )
    if customer is not None:
        return customer, None
    name = (mail.from_name or mail.from_address.split("@")[0])[:100]
    try:
        customer = customer_create(
            actor=actor,
            kind=Customer.Kind.PERSON,
            name=name,
            email=mail.from_address,
            source=Customer.Source.SERVICE,
        )
    except DomainError:
        customer = customer_create(
            actor=actor,
            kind=Customer.Kind.PERSON,
            name=mail.from_address[:100],
            source=Customer.Source.SERVICE,
        )
    return customer, None


def _attachments_keep(ticket: Ticket, event: TicketEvent, mail: ParsedMail) -> None:
    """Store what the mail carried on ``event`` (which names them); refusals are
    noted on the timeline for staff, not lost silently."""
    refused = []
    for item in mail.attachments:
        try:
            with transaction.atomic():
                attachment_store(ticket, event, item.name, item.data)
        except DomainError as exc:
            refused.append(str(exc.message))
    if refused:
        ticket_inbound_event(
            ticket=ticket,
            body="\n".join(refused),
            public=False,
            data={"attachments_refused": len(refused)},
        )


def _mail_actor(mailbox: Mailbox | None) -> User:
    actor = mailbox.register_as if mailbox is not None else None
    if actor is None or not actor.is_active:
        actor = service_dispatcher()
    if actor is None:
        raise DomainError(
            _(
                "没有可以登记来信的人：请在收件邮箱设置中指定登记人，或为客户服务部指定调度员。"
            ),
            field="register_as",
            code="required",
        )
    return actor


def _received_at(mail: ParsedMail):
    now = timezone.now()
    date = mail.date
    if date is None or date > now or date.year < 2000:
        return now
    return date


def _process(record: InboundMail, mail: ParsedMail, actor: User) -> None:
    """Thread the mail onto its ticket, or register a new one."""
    number = ticket_number_in(mail.subject)
    earlier = None
    if number:
        earlier = (
            Ticket.objects.select_related("customer", "owner")
            .filter(number=number)
            .first()
        )
    data = {
        "customer_message": True,
        "source": "email",
        "inbound_mail": record.pk,
        "from": mail.from_address,
        "attachments": [name_clean(a.name) for a in mail.attachments],
    }
    if earlier is not None and _sender_matches(earlier, mail.from_address):
        event = ticket_inbound_event(
            ticket=earlier,
            body=mail.text or _("（来信只有附件）"),
            public=True,
            data=data,
            tell_owner=_("客户来信：%(number)s %(subject)s")
            % {"number": earlier.number, "subject": earlier.subject},
        )
        _attachments_keep(earlier, event, mail)
        record.status, record.ticket = InboundMail.Status.THREAD, earlier
        return
    if mail.auto_submitted:
        # An automatic mail (bounce, out-of-office) opens no ticket and is never
        # answered (RFC 3834): kept for a person to look at.
        record.status, record.error = InboundMail.Status.IGNORED, "auto-submitted"
        record.related_ticket = earlier
        return
    customer, contact = _sender_customer(mail, actor=actor)
    created = ticket_create(
        actor=actor,
        entry=ENTRY_EMAIL,
        customer=customer,
        contact=contact,
        type=Ticket.Type.INQUIRY,
        channel=Ticket.Channel.EMAIL,
        subject=_subject_clean(mail.subject),
        description=(mail.text or _("（来信只有附件）"))[:TEXT_MAX],
        received_at=_received_at(mail),
    )
    ticket = created.ticket
    if mail.attachments:
        event = ticket_inbound_event(
            ticket=ticket,
            body=_("来信附件"),
            public=True,
            data=data,
        )
        _attachments_keep(ticket, event, mail)
    record.status, record.ticket = InboundMail.Status.TICKET, ticket
    if earlier is not None:
        record.related_ticket = earlier
        ticket_inbound_event(
            ticket=ticket,
            body=_(
                "来信主题提到工单 %(number)s，但发件人 %(address)s 不是该工单客户的联系人，因此登记为新工单。"
            )
            % {"number": earlier.number, "address": mail.from_address},
            public=False,
            data={"related_ticket": earlier.number},
        )
        ticket_inbound_event(
            ticket=earlier,
            body=_("%(address)s 来信提到本工单，已登记为新工单 %(number)s。")
            % {"address": mail.from_address, "number": ticket.number},
            public=False,
            data={"related_ticket": ticket.number},
            tell_owner=_("有人来信提到您的工单 %(number)s")
            % {"number": earlier.number},
        )


@dataclass
class Received:
    record: InboundMail
    duplicate: bool


def _failed(key: str, message_id: str, raw: bytes, error: str) -> Received:
    try:
        with transaction.atomic():
            record = InboundMail.objects.create(
                message_key=key,
                message_id=message_id[:998],
                status=InboundMail.Status.FAILED,
                raw=raw,
                error=error[:2000],
            )
    except IntegrityError:
        return Received(InboundMail.objects.get(message_key=key), True)
    dispatcher = service_dispatcher()
    if dispatcher is not None:
        url = reverse("channels:inbound_detail", args=[record.pk])
        transaction.on_commit(
            lambda: notify_user(
                user=dispatcher,
                title=_("有一封来信无法登记，请人工处理"),
                url=url,
                key=f"inbound.failed.{record.pk}",
            )
        )
    return Received(record, False)


def inbound_mail_receive(*, raw: bytes, mailbox: Mailbox | None = None) -> Received:
    """One mail from the mailbox → one ticket, or one entry on a ticket's
    timeline. The same mail again (a repeated poll, a crash before it was
    marked read) changes nothing; a mail that cannot be read is kept whole for
    a person; the mail and what it made commit together."""
    key, message_id = message_key(raw)
    existing = InboundMail.objects.filter(message_key=key).defer("raw").first()
    if existing is not None:
        return Received(existing, True)
    try:
        mail = parse_mail(raw)
    except MailParseError as exc:
        return _failed(key, message_id, raw, str(exc))
    own = settings.DEFAULT_FROM_EMAIL.lower()
    try:
        with transaction.atomic():
            record = InboundMail.objects.create(
                message_key=key,
                message_id=message_id[:998],
                status=InboundMail.Status.IGNORED,
                from_address=mail.from_address[:254],
                from_name=mail.from_name[:200],
                subject=mail.subject[:200],
            )
            if mail.from_address == own:
                # Our own notices coming back (a forwarding loop): kept, not a ticket.
                record.error = "sent by this system"
            else:
                _process(record, mail, _mail_actor(mailbox))
            if record.status == InboundMail.Status.IGNORED:
                record.raw = raw
            record.save()
    except IntegrityError:
        found = InboundMail.objects.filter(message_key=key).defer("raw").first()
        if found is not None:
            return Received(found, True)
        log.exception("inbound mail %s could not be stored", message_id)
        return _failed(key, message_id, raw, "integrity error while registering")
    except DomainError as exc:
        return _failed(key, message_id, raw, exc.message)
    except Exception as exc:  # never drop a mail: keep it for a person
        log.exception("inbound mail %s could not be registered", message_id)
        return _failed(key, message_id, raw, f"{exc.__class__.__name__}: {exc}")
    return Received(record, False)


@dataclass
class PollResult:
    read: int = 0
    created: int = 0
    threaded: int = 0
    failed: int = 0
    duplicates: int = 0
    error: str = ""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _imap_connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.security == Mailbox.Security.TLS:
        return imaplib.IMAP4_SSL(
            mailbox.host,
            mailbox.port,
            ssl_context=ssl.create_default_context(),
            timeout=30,
        )
    if not _is_loopback(mailbox.host):
        raise imaplib.IMAP4.error("plain IMAP is allowed on loopback only")
    return imaplib.IMAP4(mailbox.host, mailbox.port, timeout=30)


def mailbox_poll(*, batch: int | None = None) -> PollResult:
    """Read the unread mail of the inbox: each becomes a ticket (or joins one),
    then is marked read. Marking comes after the commit, so a crash in between
    reads the mail again next time, which the Message-ID makes harmless."""
    result = PollResult()
    mailbox = Mailbox.objects.select_related("register_as").filter(pk=1).first()
    if mailbox is None or not mailbox.is_enabled:
        return result
    batch = batch or settings.KEFU_MAILBOX_BATCH
    try:
        imap = _imap_connect(mailbox)
        try:
            imap.login(mailbox.username, mailbox.password)
            status, _data = imap.select(mailbox.folder or "INBOX")
            if status != "OK":
                raise imaplib.IMAP4.error(f"cannot open folder {mailbox.folder}")
            status, data = imap.uid("SEARCH", None, "UNSEEN")
            uids = (data[0] or b"").split()[:batch] if status == "OK" else []
            for uid in uids:
                status, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next(
                    (
                        part[1]
                        for part in fetched or []
                        if isinstance(part, tuple) and len(part) > 1
                    ),
                    None,
                )
                if status != "OK" or raw is None:
                    continue
                received = inbound_mail_receive(raw=raw, mailbox=mailbox)
                result.read += 1
                if received.duplicate:
                    result.duplicates += 1
                elif received.record.status == InboundMail.Status.TICKET:
                    result.created += 1
                elif received.record.status == InboundMail.Status.THREAD:
                    result.threaded += 1
                elif received.record.status == InboundMail.Status.FAILED:
                    result.failed += 1
                imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        finally:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):
                imap.logout()
    except (OSError, imaplib.IMAP4.error, ssl.SSLError) as exc:
        result.error = str(exc) or exc.__class__.__name__
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=timezone.now(), last_error=result.error[:2000]
    )
    return result


@transaction.atomic
def inbound_resolve(
    *,
    actor: User,
    record: InboundMail,
    resolution: str,
    request: HttpRequest | None = None,
) -> InboundMail:
    """A person dealt with a mail that could not be read (registered it by hand,
    or found it needs nothing); the raw mail stays."""
    if not can_handle_inbound_mail(actor):
        raise PermissionDenied
    record = InboundMail.objects.select_for_update().get(pk=record.pk)
    if record.status != InboundMail.Status.FAILED:
        raise DomainError(
            _("这封来信已经处理过了。"), field="resolution", code="already_done"
        )
    resolution = (resolution or "").strip()
    if not resolution:
        raise DomainError(
            _("请说明如何处理了这封来信。"), field="resolution", code="required"
        )
    if len(resolution) > 2000:
        raise DomainError(
            _("处理说明最多 2000 个字符。"), field="resolution", code="max_length"
        )
    record.status = InboundMail.Status.RESOLVED
    record.resolution, record.resolved_by = resolution, actor
    record.resolved_at = timezone.now()
    record.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    audit_record(
        event="channels.inbound_resolve",
        actor=actor,
        request=request,
        obj=record,
        data={"message_id": record.message_id[:200]},
    )
    return record


# --- settings pages ------------------------------------------------------------------


def _text(
    value: Any, *, field: str, label: str, max_length: int, required=False
) -> str:
    text = (value or "").strip() if isinstance(value, str) else str(value or "").strip()
    if required and not text:
        raise DomainError(
            _("请填写%(label)s。") % {"label": label}, field=field, code="required"
        )
    if len(text) > max_length:
        raise DomainError(
            _("%(label)s最多 %(max)s 个字符。") % {"label": label, "max": max_length},
            field=field,
            code="max_length",
        )
    return text


def _url(value: Any, *, field: str, label: str, required: bool = True) -> str:
    text = _text(value, field=field, label=label, max_length=500, required=required)
    if text:
        try:
            URLValidator(schemes=["http", "https"])(text)
        except ValidationError:
            raise DomainError(
                _("%(label)s不是有效的网址（以 http:// 或 https:// 开头）。")
                % {"label": label},
                field=field,
                code="invalid",
            ) from None
    return text


@transaction.atomic
def mailbox_update(
    *,
    actor: User,
    version: int | None,
    request: HttpRequest | None = None,
    **values: Any,
) -> Mailbox:
    """The inbound mailbox's settings (the system administrator). A blank
    password keeps the one stored; plain IMAP only on loopback."""
    if not can_manage_channels(actor):
        raise PermissionDenied
    mailbox = mailbox_get()
    mailbox = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
    version_check(mailbox, version)
    enabled = bool(values.get("is_enabled"))
    host = _text(
        values.get("host"),
        field="host",
        label=_("IMAP 服务器"),
        max_length=200,
        required=enabled,
    )
    username = _text(
        values.get("username"),
        field="username",
        label=_("用户名"),
        max_length=200,
        required=enabled,
    )
    folder = _text(
        values.get("folder") or "INBOX",
        field="folder",
        label=_("文件夹"),
        max_length=100,
    )
    security = values.get("security") or Mailbox.Security.TLS
    if security not in Mailbox.Security.values:
        raise DomainError(
            _("请选择连接方式。"), field="security", code="invalid_choice"
        )
    try:
        port = int(values.get("port") or 0)
    except (TypeError, ValueError):
        port = 0
    if not 1 <= port <= 65535:
        raise DomainError(
            _("端口必须在 1 到 65535 之间。"), field="port", code="invalid"
        )
    if security == Mailbox.Security.PLAIN and host and not _is_loopback(host):
        raise DomainError(
            _("明文 IMAP 只允许连接本机（127.0.0.1）；其他服务器请使用 TLS。"),
            field="security",
            code="insecure",
        )
    password = values.get("password") or ""
    if len(password) > 200:
        raise DomainError(_("密码太长。"), field="password", code="max_length")
    register_as = values.get("register_as")
    if register_as is not None and (
        not register_as.is_active or not can_register_tickets(register_as)
    ):
        raise DomainError(
            _("登记人必须是在职且可以登记工单的人员。"),
            field="register_as",
            code="not_allowed",
        )
    if enabled and not (password or mailbox.password):
        raise DomainError(_("请填写密码。"), field="password", code="required")
    mailbox.is_enabled, mailbox.host, mailbox.port = enabled, host, port
    mailbox.security, mailbox.username, mailbox.folder = security, username, folder
    if password:
        mailbox.password = password
    mailbox.register_as = register_as
    mailbox.updated_at = timezone.now()
    mailbox.version += 1
    mailbox.save()
    audit_record(
        event="channels.mailbox_update",
        actor=actor,
        request=request,
        obj=mailbox,
        data={"enabled": enabled, "host": host, "password_changed": bool(password)},
    )
    return mailbox


@transaction.atomic
def sms_gateway_update(
    *,
    actor: User,
    version: int | None,
    request: HttpRequest | None = None,
    **values: Any,
) -> SmsGateway:
    """The SMS gateway's settings (the system administrator); a blank secret
    keeps the one stored."""
    if not can_manage_channels(actor):
        raise PermissionDenied
    gateway = sms_gateway_get()
    gateway = SmsGateway.objects.select_for_update().get(pk=gateway.pk)
    version_check(gateway, version)
    enabled = bool(values.get("is_enabled"))
    gateway.endpoint = _url(
        values.get("endpoint"), field="endpoint", label=_("网关地址"), required=enabled
    )
    gateway.access_key = _text(
        values.get("access_key"),
        field="access_key",
        label="AccessKey",
        max_length=100,
        required=enabled,
    )
    gateway.sign_name = _text(
        values.get("sign_name"),
        field="sign_name",
        label=_("短信签名"),
        max_length=40,
        required=enabled,
    )
    gateway.template_code = _text(
        values.get("template_code"),
        field="template_code",
        label=_("模板编号"),
        max_length=64,
        required=enabled,
    )
    secret = _text(
        values.get("secret"), field="secret", label=_("签名密钥"), max_length=200
    )
    if secret:
        gateway.secret = secret
    if enabled and not gateway.secret:
        raise DomainError(_("请填写签名密钥。"), field="secret", code="required")
    gateway.is_enabled = enabled
    gateway.updated_at = timezone.now()
    gateway.version += 1
    gateway.save()
    audit_record(
        event="channels.sms_update",
        actor=actor,
        request=request,
        obj=gateway,
        data={
            "enabled": enabled,
            "endpoint": gateway.endpoint,
            "secret_changed": bool(secret),
        },
    )
    return gateway


@transaction.atomic
def robot_save(
    *,
    actor: User,
    department: Department | None,
    kind: str,
    name: str,
    webhook: str,
    secret: str = "",
    is_active: bool = True,
    robot: Robot | None = None,
    version: int | None = None,
    request: HttpRequest | None = None,
) -> Robot:
    """Add or change a department's group robot (the system administrator); a
    blank secret keeps the one stored."""
    if not can_manage_channels(actor):
        raise PermissionDenied
    if robot is not None:
        robot = Robot.objects.select_for_update().get(pk=robot.pk)
        version_check(robot, version)
    if department is None:
        raise DomainError(_("请选择部门。"), field="department", code="required")
    if kind not in Robot.Kind.values:
        raise DomainError(_("请选择机器人类型。"), field="kind", code="invalid_choice")
    name = _text(name, field="name", label=_("名称"), max_length=64, required=True)
    webhook = _url(webhook, field="webhook", label=_("Webhook 地址"))
    secret = _text(secret, field="secret", label=_("加签密钥"), max_length=200)
    creating = robot is None
    robot = robot or Robot()
    robot.department, robot.kind, robot.name, robot.webhook = (
        department,
        kind,
        name,
        webhook,
    )
    if secret:
        robot.secret = secret
    robot.is_active = bool(is_active)
    if not creating:
        robot.version += 1
    robot.save()
    audit_record(
        event="channels.robot_save",
        actor=actor,
        request=request,
        obj=robot,
        data={
            "department": department.code,
            "kind": kind,
            "active": robot.is_active,
            "created": creating,
        },
    )
    return robot


def robot_test_send(*, actor: User, robot: Robot) -> Message:
    """A test message to one robot, so the administrator sees it arrive (and
    the delivery log shows any error)."""
    if not can_manage_channels(actor):
        raise PermissionDenied
    return notify_send(
        channel=robot.kind,
        recipient=f"{robot.get_kind_display()} {robot.name}"[:254],
        subject=_("测试消息"),
        body=_("这是来自客服系统的测试消息，由%(name)s发送。") % {"name": actor.name},
        key=f"robot:{robot.pk}:test:{uuid.uuid4().hex}",
        data={"robot": robot.pk},
    )


def robots_broadcast(
    department: Department | str | int | None,
    title: str,
    text: str,
    *,
    key: str | None = None,
) -> list[Message]:
    """Post to every active group robot of a department (internal bulletins,
    escalations, service-level breaches). With ``key`` (e.g. ``bulletin:12``)
    the same broadcast is posted once however often it is called; without it,
    each call posts. Delivery runs after commit, with retries and the log."""
    key = key or uuid.uuid4().hex
    messages = []
    for robot in robots_of(department):
        digest = hashlib.sha256(key.encode()).hexdigest()[:40]
        messages.append(
            notify_send(
                channel=robot.kind,
                recipient=f"{robot.get_kind_display()} {robot.name}"[:254],
                subject=title,
                body=text,
                key=f"robot:{robot.pk}:{digest}",
                data={"robot": robot.pk, "key": key[:200]},
            )
        )
    return messages
