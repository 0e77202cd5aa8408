"""Survey links mailed to the contacts they are for: the ticket's contact when it closes, each member of a
scheduled survey's segment (graph/service/survey_schedules.py).

A link's token exists in clear only until its mail is sent: it is written into the outbox row
(`survey_mailings.body`) in the transaction that creates the survey, and the body is dropped when the
`service.survey_mail` job has handed the message to the mail server (or given up), so an unsent link
never depends on a process staying up. The job claims due rows with FOR UPDATE SKIP LOCKED (two runners
send each once), sends through the notification channels' mail sender (SMTP; the log without one),
retries a failed send with the notifications' growing delay and gives up after their attempt limit.
A contact without an email address gets no survey at all; one who opted out (`contacts.email_opt_out`,
set from any of their survey links with `optOutOfSurveyEmail`) neither, and a pending mail to someone who
opts out before it goes is dropped.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from config.settings import get_settings
from graph.core.jobs import job
from graph.crm.models import Contact
from graph.notifications.channels import configured_channels
from graph.notifications.delivery import MAX_ATTEMPTS, retry_delay
from graph.service.models import Survey, SurveyMailing
from tenants.ids import new_id
from tenants.mail import Mail, MailUnavailable

BATCH = 200
QUEUED, NO_EMAIL, OPTED_OUT = "queued", "no_email", "opted_out"


def survey_link(token: str) -> str:
    """The customer's page for the survey (`CRM_SURVEY_URL` with `{token}` replaced), or the bare token."""
    template = get_settings().survey_url
    return template.replace("{token}", token) if template else token


def first_address(emails: list[str] | None) -> str | None:
    for email in emails or []:
        if email and email.strip():
            return email.strip()
    return None


def outcome_for(emails: list[str] | None, opted_out: bool) -> str:
    """What a survey to this contact comes to: queued, or skipped for having no address or opting out."""
    if opted_out:
        return OPTED_OUT
    return QUEUED if first_address(emails) else NO_EMAIL


def mailing(
    survey: Survey, address: str, token: str, subject: str, intro: str | None, now: datetime
) -> SurveyMailing:
    expires = survey.expires_at.strftime("%Y-%m-%d %H:%M UTC")
    lines = [intro.strip()] if intro and intro.strip() else []
    lines += [
        "We would like to hear how we did. Your answer takes a minute:",
        survey_link(token),
        f"The link works once, until {expires}. To get no more survey email, choose so on that page.",
    ]
    return SurveyMailing(
        tenant_id=survey.tenant_id,
        id=new_id(),
        survey_id=survey.id,
        address=address[:320],
        subject=" ".join(subject.split())[:300],
        body="\n\n".join(lines),
        status="pending",
        attempts=0,
        not_before=now,
    )


async def mail_to_contact(
    session: AsyncSession, survey: Survey, token: str, subject: str, intro: str | None, now: datetime
) -> str:
    """Queues the link of a flushed survey to its contact; returns the outcome (see `outcome_for`)."""
    if survey.contact_id is None:
        return NO_EMAIL
    row = (
        await session.execute(
            select(Contact.emails, Contact.email_opt_out).where(
                Contact.tenant_id == survey.tenant_id, Contact.id == survey.contact_id
            )
        )
    ).one_or_none()
    if row is None:
        return NO_EMAIL
    outcome = outcome_for(row.emails, row.email_opt_out)
    if outcome == QUEUED:
        session.add(mailing(survey, first_address(row.emails) or "", token, subject, intro, now))
    return outcome


async def drop_pending(
    session: AsyncSession, tenant_id: uuid.UUID, contact_id: uuid.UUID, reason: str
) -> None:
    """Pending survey mail to the contact, closed unsent (the link goes with it)."""
    surveys = select(Survey.id).where(Survey.tenant_id == tenant_id, Survey.contact_id == contact_id)
    await session.execute(
        update(SurveyMailing)
        .where(
            SurveyMailing.tenant_id == tenant_id,
            SurveyMailing.status == "pending",
            SurveyMailing.survey_id.in_(surveys),
        )
        .values(status="failed", body=None, last_error=reason)
    )


@job("service.survey_mail")
async def deliver_survey_mail(session: AsyncSession, tenant_id: uuid.UUID, now: datetime) -> str:
    """Sends up to BATCH due survey mails of the tenant (every minute or so, like notifications)."""
    rows = (
        await session.execute(
            select(SurveyMailing, Contact.email_opt_out)
            .join(
                Survey, (Survey.tenant_id == SurveyMailing.tenant_id) & (Survey.id == SurveyMailing.survey_id)
            )
            .outerjoin(Contact, (Contact.tenant_id == Survey.tenant_id) & (Contact.id == Survey.contact_id))
            .where(
                SurveyMailing.tenant_id == tenant_id,
                SurveyMailing.status == "pending",
                SurveyMailing.not_before <= now,
            )
            .order_by(SurveyMailing.not_before, SurveyMailing.id)
            .limit(BATCH)
            .with_for_update(of=SurveyMailing, skip_locked=True)
        )
    ).all()
    sender = configured_channels().mail
    sent = failed = 0
    for mail, opted_out in rows:
        if opted_out:
            mail.status, mail.body, mail.last_error = "failed", None, "opted out"
            failed += 1
            continue
        assert mail.body is not None  # pending rows keep their body (a table check)
        mail.attempts += 1
        try:
            await sender.send(
                Mail(
                    to=mail.address,
                    subject=mail.subject,
                    body=mail.body,
                    message_id=f"<survey-{mail.id}@crm.invalid>",
                )
            )
        except MailUnavailable as error:
            failed += 1
            mail.last_error = (str(error) or error.__class__.__name__)[:500]
            if mail.attempts >= MAX_ATTEMPTS:
                mail.status, mail.body = "failed", None
            else:
                mail.not_before = now + retry_delay(mail.attempts)
            continue
        mail.status, mail.body, mail.sent_at, mail.last_error = "sent", None, now, None
        sent += 1
    await session.flush()
    return f"{sent} survey mail(s) sent, {failed} not sent"
