"""Campaign SMS: the recipient's number, the text's length, SMS consent and the provider's delivery reports.

Numbers: a recipient's address is the first of the person's numbers (a contact's `phones` in order, a
lead's `phone`) that `phonenumbers` reads as a valid number able to take SMS (mobile, or fixed-line-or-
mobile where a country's plan does not tell them apart), in E.164 (`+4915112345678`); numbers written
without a country code are read in the tenant's region (the territory of its locale: zh-CN -> CN).

Consent: `sms_opt_out` on contacts and leads. Opting out by number (`consent.opt_out`: a STOP reply the
SMS gateway reports through `recordSmsStop`, or the unsubscribe link of an SMS) sets it on every contact
and lead of the tenant with that number, matched on the duplicate key `crm_phone_digits` (the national
number's last ten digits, so `+49 151 12345678` and `0151 12345678` are one number); a message skips a
member whose own flag is set or who shares the number with anyone opted out.

Length: one SMS segment holds 160 GSM-7 characters (153 each when split; `^{}[]~|\\€` take two), or 70
UCS-2 units (67 when split) as soon as one character is outside GSM-7 (Chinese text, most emoji). A
campaign text is at most MAX_SMS_SEGMENTS segments, footer included, with sample values when created and
with each recipient's values when sent (longer: FAILED, "too long").

Delivery reports: with CRM_SMS_STATUS_URL set (`{token}` replaced), each SMS asks the provider to report
to that URL with a token of its own (`crmr_<tenant hex>_<random>`, stored as its SHA-256); `POST
/hooks/sms/status/{token}` (gateway/sms_hooks.py) moves the recipient from SENT to DELIVERED or FAILED.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from graph.marketing.consent import opt_out
from graph.marketing.models import CAMPAIGN
from tenants import audit
from tenants.errors import DomainError, ErrorCode, not_found
from tenants.locales import territory_of
from tenants.models import Tenant
from tenants.permissions import Action, Actor
from tenants.tokens import tenant_token, token_tenant

SMS_FOOTER = "Reply STOP to opt out."
MAX_SMS_BODY = 1600
MAX_SMS_SEGMENTS = 10
REPORT_PREFIX = "crmr_"
# GSM 03.38: the basic set (one septet each) and the extension table (an escape plus one septet).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
SMS_CAPABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


@dataclass(frozen=True)
class SmsLength:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int


def sms_length(text: str) -> SmsLength:
    """How many segments `text` takes, in the encoding a provider picks for it."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding, single, split = "GSM-7", 160, 153
        units = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    else:
        encoding, single, split = "UCS-2", 70, 67
        units = len(text.encode("utf-16-le")) // 2
    segments = 0 if units == 0 else 1 if units <= single else math.ceil(units / split)
    return SmsLength(encoding, units, segments)


def with_footer(text: str) -> str:
    return f"{text.rstrip()}\n{SMS_FOOTER}" if text.strip() else SMS_FOOTER


def too_long(length: SmsLength) -> str:
    per = 153 if length.encoding == "GSM-7" else 67
    return (
        f"{length.segments} SMS segments ({length.units} {length.encoding} characters, {per} a segment when "
        f"split, the STOP line included); at most {MAX_SMS_SEGMENTS}"
    )


def e164(raw: str | None, region: str | None) -> str | None:
    """The number in E.164 if it is a valid number that can take SMS; None otherwise."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in SMS_CAPABLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_address(phones: list[str | None], region: str | None) -> str | None:
    """The first of the person's numbers that can take SMS, in E.164."""
    for raw in phones:
        address = e164(raw, region)
        if address is not None:
            return address
    return None


async def tenant_region(session: AsyncSession, tenant_id: uuid.UUID) -> str | None:
    """The region numbers without a country code are read in: the territory of the tenant's locale."""
    locale = await session.scalar(select(Tenant.locale).where(Tenant.id == tenant_id))
    return territory_of(locale) if locale else None


async def record_sms_stop(session: AsyncSession, actor: Actor, phone: str) -> tuple[str, int, int]:
    """A STOP reply from `phone` (as the SMS gateway reports it, or staff on the person's request): the
    number, normalised, and how many contacts and leads now refuse SMS. Whoever may update campaigns (and so
    send their messages) may record it; it reaches every record of the tenant, whatever its owner, since it
    only ever stops messages."""
    actor.require(CAMPAIGN, Action.UPDATE)
    address = e164(phone, await tenant_region(session, actor.tenant_id))
    if address is None:
        number = number_as_written(phone)
        if number is None:
            raise DomainError(
                ErrorCode.INVALID, "Give the phone number the STOP came from, e.g. +4915112345678.", "phone"
            )
        address = number
    contacts, leads = await opt_out(session, actor.tenant_id, "sms", address)
    changes = {"sms_opt_out": [None, True], "contacts": [None, contacts], "leads": [None, leads]}
    await audit.record(session, actor, "marketing.sms_stop", "sms_number", None, changes)
    return address, contacts, leads


def number_as_written(phone: str) -> str | None:
    """A number that is not a valid mobile one still opts out as written (digits and a leading +)."""
    text = (phone or "").strip()
    digits = "".join(char for char in text if char.isdigit())
    if not 5 <= len(digits) <= 20 or len(text) > 40:
        return None
    return ("+" if text.startswith("+") else "") + digits


# -- delivery reports ----------------------------------------------------------------------------------


@dataclass
class StatusReport:
    """Where delivery reports go: CRM_SMS_STATUS_URL with `{token}`; empty, none are asked for."""

    url: str = ""

    def link(self, token: str) -> str | None:
        return self.url.replace("{token}", token) if self.url else None


STATUS_REPORT = StatusReport()


def configure_status_reports(url: str) -> None:
    """Set by the gateway from CRM_SMS_STATUS_URL (jobs receive no services)."""
    STATUS_REPORT.url = url


def new_report_token(tenant_id: uuid.UUID) -> str:
    return tenant_token(REPORT_PREFIX, tenant_id)


def report_tenant(token: str) -> uuid.UUID:
    tenant_id = token_tenant(REPORT_PREFIX, token)
    if tenant_id is None:
        raise not_found("delivery report", "token")
    return tenant_id
