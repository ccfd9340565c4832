"""Getting a message out: SMTP or the log for email, an HTTP gateway or the log for SMS.

Failures are sorted into permanent (retrying cannot help) and transient (try later).
"""
import json
import logging
import smtplib
import socket
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import phonenumbers

log = logging.getLogger(__name__)

GSM_SEGMENT, GSM_SEGMENT_PART = 160, 153
UNICODE_SEGMENT, UNICODE_SEGMENT_PART = 70, 67
MAX_SEGMENTS = 2
GSM_CHARACTERS = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)


class PermanentFailure(Exception):
    """The message cannot be delivered as it is: a refused address, an invalid number."""


class TransientFailure(Exception):
    """The channel is unavailable for now: try again later."""


# --- email ---------------------------------------------------------------------------------

def email_message(*, sender: str, to: str, subject: str, text: str, html: str, message_id: str, sent_at: datetime,
                  calendar: bytes | None = None, calendar_method: str | None = None) -> EmailMessage:
    """A multipart message: text and HTML alternatives, and an optional iCalendar attachment."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)  # RFC 5322 requires it; spam filters punish its absence
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if calendar is not None:
        message.add_attachment(
            calendar, maintype="text", subtype="calendar", filename="invite.ics",
            params={"method": calendar_method or "PUBLISH"},
        )
    return message


def stable_message_id(notification_id: int, domain: str) -> str:
    """The same Message-ID on every attempt, so a receiving server can drop a repeat."""
    return f"<notification-{notification_id}@{domain}>"


class LogMailer:
    """Prints messages to the log: the default when no SMTP server is configured."""

    def send(self, message: EmailMessage) -> str:
        log.info("Email to %s: %s\n%s", message["To"], message["Subject"], message.get_body(("plain",)).get_content())
        return message["Message-ID"]


class SMTPMailer:
    def __init__(self, host: str, port: int, username: str | None, password: str | None, starttls: bool, timeout: float = 30):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.timeout = starttls, timeout

    def send(self, message: EmailMessage) -> str:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"recipient refused: {error.recipients}") from error
        except smtplib.SMTPResponseException as error:
            failure = PermanentFailure if 500 <= error.smtp_code < 600 else TransientFailure
            reply = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
            raise failure(f"SMTP {error.smtp_code}: {reply}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise TransientFailure(f"SMTP unavailable: {error}") from error
        return message["Message-ID"]


def mailer(config):
    if not config.get("SMTP_HOST"):
        return LogMailer()
    return SMTPMailer(
        config["SMTP_HOST"], int(config.get("SMTP_PORT", 587)), config.get("SMTP_USERNAME"),
        config.get("SMTP_PASSWORD"), bool(config.get("SMTP_STARTTLS")),
    )


def sender_address(config, tenant_name: str) -> str:
    return formataddr((tenant_name, config["MAIL_FROM"]))


# --- SMS -----------------------------------------------------------------------------------

def e164(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        raise PermanentFailure(f"not a phone number: {number!r}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise PermanentFailure(f"invalid phone number: {number!r}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def segments(body: str) -> int:
    """How many SMS segments ``body`` takes (GSM-7, or UCS-2 when it has other characters)."""
    single, part = (GSM_SEGMENT, GSM_SEGMENT_PART) if set(body) <= GSM_CHARACTERS else (UNICODE_SEGMENT, UNICODE_SEGMENT_PART)
    return 1 if len(body) <= single else -(-len(body) // part)


def fit(body: str, max_segments: int = MAX_SEGMENTS) -> str:
    """``body``, shortened with an ellipsis if needed, to fit in ``max_segments`` segments."""
    if segments(body) <= max_segments:
        return body
    part = GSM_SEGMENT_PART if set(body) <= GSM_CHARACTERS else UNICODE_SEGMENT_PART
    return body[: part * max_segments - 3].rstrip() + "..."


class LogSMS:
    def send(self, to: str, body: str) -> str:
        log.info("SMS to %s: %s", to, body)
        return "logged"


class HttpGatewaySMS:
    """A form post in the style of common SMS APIs: To, From, Body; bearer token; JSON reply with an id."""

    def __init__(self, url: str, token: str, sender: str, timeout: float = 15):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def send(self, to: str, body: str) -> str:
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        request = urllib.request.Request(
            self.url, data=data, method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            failure = TransientFailure if error.code == 429 or error.code >= 500 else PermanentFailure
            raise failure(f"SMS gateway answered {error.code}") from error
        except (urllib.error.URLError, socket.timeout, ConnectionError) as error:
            raise TransientFailure(f"SMS gateway unreachable: {error}") from error
        except json.JSONDecodeError as error:
            raise TransientFailure("SMS gateway sent an unreadable reply") from error
        return str(reply.get("id") or reply.get("sid") or reply.get("message_id") or "")


def texter(config):
    if config.get("SMS_BACKEND", "console") == "http":
        return HttpGatewaySMS(config["SMS_GATEWAY_URL"], config["SMS_GATEWAY_TOKEN"], config.get("SMS_FROM", "Sloty"))
    return LogSMS()

