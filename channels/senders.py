"""The notify channels this app adds: an HTTP SMS gateway and the group robots of
WeCom, DingTalk and Feishu. Their settings are read at send time, so a secret
never sits in the outbox."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from notify.channels import DeliveryError, PermanentDeliveryError, channel_register
from notify.models import Message

TIMEOUT = 10


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk: base64(HMAC-SHA256(key=secret, "timestamp\\nsecret")), URL-encoded."""
    text = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), text, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu: base64(HMAC-SHA256(key="timestamp\\nsecret", empty message))."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def sms_sign(secret: str, fields: dict[str, str]) -> str:
    """The gateway's signature: hex HMAC-SHA256 over the fields sorted by name,
    joined as ``name=value&…`` (the shape of the Chinese cloud SMS APIs)."""
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()


def _post_json(
    url: str, payload: dict[str, Any], headers: dict[str, str] | None = None
):
    body = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        if 400 <= exc.code < 500 and exc.code not in (408, 429):
            raise PermanentDeliveryError(f"HTTP {exc.code}") from exc
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(str(exc) or exc.__class__.__name__) from exc
    try:
        return json.loads(raw.decode() or "{}")
    except ValueError as exc:
        raise DeliveryError("the answer is not JSON") from exc


class SmsChannel:
    """Posts one text to the gateway. ``out_id`` (fixed per outbox row) lets the
    gateway drop a second copy when a retry follows a lost answer."""

    def send(self, message: Message) -> None:
        from channels.selectors import sms_gateway_get

        gateway = sms_gateway_get()
        if not gateway.is_enabled or not gateway.endpoint:
            raise DeliveryError("the SMS gateway is not configured")
        params = message.data.get("params") or {}
        fields = {
            "access_key": gateway.access_key,
            "phone": message.recipient,
            "sign_name": gateway.sign_name,
            "template_code": gateway.template_code,
            "params": json.dumps(params, ensure_ascii=False, sort_keys=True),
            "out_id": hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32],
            "timestamp": str(int(time.time())),
            "nonce": hashlib.sha256(
                f"{message.pk}:{message.attempts}".encode()
            ).hexdigest()[:16],
        }
        payload = {**fields, "text": message.body}
        payload["signature"] = sms_sign(gateway.secret, fields)
        answer = _post_json(gateway.endpoint, payload)
        code = str(answer.get("code", ""))
        if code not in ("0", "OK"):
            raise DeliveryError(f"gateway: {code} {answer.get('message', '')}"[:500])


class RobotChannel:
    """Posts a text message to one group robot (``message.data["robot"]``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def send(self, message: Message) -> None:
        from channels.models import Robot

        robot = Robot.objects.filter(pk=message.data.get("robot")).first()
        if robot is None or not robot.is_active:
            raise PermanentDeliveryError("the robot was removed or switched off")
        text = f"{message.subject}\n{message.body}" if message.subject else message.body
        url = robot.webhook
        if self.kind == Message.Channel.WECOM:
            payload: dict[str, Any] = {"msgtype": "text", "text": {"content": text}}
        elif self.kind == Message.Channel.DINGTALK:
            payload = {"msgtype": "text", "text": {"content": text}}
            if robot.secret:
                stamp = int(time.time() * 1000)
                sign = dingtalk_sign(robot.secret, stamp)
                url += ("&" if "?" in url else "?") + f"timestamp={stamp}&sign={sign}"
        else:
            payload = {"msg_type": "text", "content": {"text": text}}
            if robot.secret:
                stamp = int(time.time())
                payload = {
                    "timestamp": str(stamp),
                    "sign": feishu_sign(robot.secret, stamp),
                    **payload,
                }
        answer = _post_json(url, payload)
        code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
        if code not in (0, "0"):
            error = answer.get("errmsg") or answer.get("msg") or ""
            raise DeliveryError(f"robot: {code} {error}"[:500])


def register() -> None:
    channel_register(Message.Channel.SMS, SmsChannel())
    for kind in (
        Message.Channel.WECOM,
        Message.Channel.DINGTALK,
        Message.Channel.FEISHU,
    ):
        channel_register(kind, RobotChannel(kind))
