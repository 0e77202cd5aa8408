"""Tenant templates of notifications: per kind and language, in a small, sandboxed subset of Jinja2.

Admins write templates, so a template is untrusted input that runs on every notification of its kind.
It may only print values and choose between texts: `{{ name }}`, `{{ contact.name }}`, `{% if ... %}`,
comparisons and a few harmless filters. Loops, calls, arithmetic, assignments, macros, includes and any
other filter are refused when the template is saved, so rendering is linear in the template's size and
cannot allocate more than it prints (Jinja's own sandbox still guards attribute access). A template that
fails at render time (a value of an unexpected type) falls back to the caller's own text.

The language is the recipient's (their own locale, else the tenant's): a template for `de-CH` wins over
one for `de`, which wins over one for any language (''); without a template the caller's English wording
is translated by the catalogs (tenants/i18n).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Any

import re2
from jinja2 import TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from graph.notifications.models import NotificationTemplate
from tenants import audit, i18n
from tenants.errors import DomainError, ErrorCode, ValidationErrors
from tenants.ids import new_id
from tenants.permissions import Actor, Capability

log = logging.getLogger("crm.notifications")

# A notification kind: `task.due`, `approval.waiting`.
KIND = re2.compile(r"^[a-z][a-z0-9_.]{0,63}$")
MAX_SUBJECT_TEMPLATE = 1000
MAX_BODY_TEMPLATE = 10_000
FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "default", "truncate", "string"})
ALLOWED_NODES = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Filter,
    nodes.If,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.Not,
    nodes.And,
    nodes.Or,
    nodes.Test,
)

ENVIRONMENT = ImmutableSandboxedEnvironment(autoescape=False)


def check_template(source: str, field: str, limit: int) -> None:
    """Refuses what the subset does not allow, naming the construct."""
    if len(source) > limit:
        raise DomainError(ErrorCode.TOO_LONG, f"A template here is at most {limit} characters.", field)
    try:
        tree = ENVIRONMENT.parse(source)
    except TemplateError as error:
        raise DomainError(ErrorCode.INVALID, f"Not a valid template: {error}.", field) from None
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            raise DomainError(
                ErrorCode.INVALID,
                f"Templates may print values and use if/else only; {type(node).__name__} is not allowed.",
                field,
            )
        if isinstance(node, nodes.Filter) and node.name not in FILTERS:
            raise DomainError(
                ErrorCode.INVALID,
                f"Filter '{node.name}' is not allowed; use {', '.join(sorted(FILTERS))}.",
                field,
            )


def render(source: str, data: Mapping[str, Any]) -> str:
    return ENVIRONMENT.from_string(source).render(**data)


async def template_for(
    session: AsyncSession, tenant_id: uuid.UUID, kind: str, locale: str
) -> NotificationTemplate | None:
    """The tenant's template of `kind` for `locale` (de-CH, then de, then any language), or None."""
    rows = list(
        await session.scalars(
            select(NotificationTemplate).where(
                NotificationTemplate.tenant_id == tenant_id, NotificationTemplate.kind == kind
            )
        )
    )
    if not rows:
        return None
    wanted = locale.lower()
    by_locale = {template.locale.lower(): template for template in rows}
    return by_locale.get(wanted) or by_locale.get(wanted.split("-")[0]) or by_locale.get("")


async def worded(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    kind: str,
    subject: str,
    body: str,
    data: Mapping[str, Any] | None,
    locale: str,
) -> tuple[str, str]:
    """(subject, body) for a reader of `locale`: the tenant's template for `kind` in that language
    when it has one, else the built-in wording in that language (tenants/i18n; English as given)."""
    template = await template_for(session, tenant_id, kind, locale)
    subject, body = i18n.translate(subject, locale), i18n.translate(body, locale)
    if template is None:
        return subject, body
    values = {"subject": subject, "body": body, **(data or {})}
    try:
        return render(template.subject, values), render(template.body, values) if template.body else body
    except (TemplateError, TypeError, ValueError) as error:
        log.warning("template of %s in tenant %s failed (%s); using the default text", kind, tenant_id, error)
        return subject, body


LOCALE = re2.compile(r"^([a-z]{2,3}(-[A-Za-z0-9]{2,8})*)?$")


async def list_templates(session: AsyncSession, actor: Actor) -> list[NotificationTemplate]:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    rows = await session.scalars(
        select(NotificationTemplate)
        .where(NotificationTemplate.tenant_id == actor.tenant_id)
        .order_by(NotificationTemplate.kind, NotificationTemplate.locale, NotificationTemplate.id)
    )
    return list(rows)


def template_errors(kind: str, locale: str, subject: str, body: str) -> list[DomainError]:
    errors = []
    if not KIND.match(kind):
        errors.append(DomainError(ErrorCode.INVALID, "A notification kind, e.g. task.due.", "kind"))
    if not LOCALE.match(locale):
        errors.append(
            DomainError(ErrorCode.INVALID, "A language tag such as de or de-CH, or empty.", "locale")
        )
    for source, field, limit in (
        (subject, "subject", MAX_SUBJECT_TEMPLATE),
        (body, "body", MAX_BODY_TEMPLATE),
    ):
        try:
            check_template(source, field, limit)
        except DomainError as error:
            errors.append(error)
    if not subject.strip():
        errors.append(DomainError(ErrorCode.REQUIRED, "A template needs a subject.", "subject"))
    return errors


async def save_template(
    session: AsyncSession, actor: Actor, kind: str, locale: str, subject: str, body: str
) -> NotificationTemplate:
    """Creates or replaces the tenant's template of `kind` in `locale` (manage_settings)."""
    actor.require_capability(Capability.MANAGE_SETTINGS)
    errors = template_errors(kind, locale, subject, body)
    if errors:
        raise ValidationErrors(errors)
    template_id = await session.scalar(
        insert(NotificationTemplate)
        .values(tenant_id=actor.tenant_id, id=new_id(), kind=kind, locale=locale, subject=subject, body=body)
        .on_conflict_do_update(
            constraint="notification_templates_once",
            set_={
                "subject": subject,
                "body": body,
                "version": NotificationTemplate.version + 1,
                "updated_at": func.now(),
            },
        )
        .returning(NotificationTemplate.id)
    )
    template = await session.get(NotificationTemplate, (actor.tenant_id, template_id), populate_existing=True)
    assert template is not None
    await audit.record(
        session,
        actor,
        "notification_template.save",
        "notification_template",
        template.id,
        {"kind": kind, "locale": locale},
    )
    return template


async def delete_template(session: AsyncSession, actor: Actor, kind: str, locale: str) -> bool:
    actor.require_capability(Capability.MANAGE_SETTINGS)
    deleted = await session.scalar(
        delete(NotificationTemplate)
        .where(
            NotificationTemplate.tenant_id == actor.tenant_id,
            NotificationTemplate.kind == kind,
            NotificationTemplate.locale == locale,
        )
        .returning(NotificationTemplate.id)
    )
    if deleted is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No template of this kind in this language.", "kind")
    await audit.record(
        session,
        actor,
        "notification_template.delete",
        "notification_template",
        deleted,
        {"kind": kind, "locale": locale},
    )
    return True
