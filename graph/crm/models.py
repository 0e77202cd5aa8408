"""CRM tables: accounts (with a parent hierarchy), contacts, their links, and activities.

All are tenant-owned on `TenantMixin` (composite key `(tenant_id, id)`); references are composite
foreign keys so they cannot cross tenants. The DDL, indexes and RLS policies live in
`migrations/baseline.sql`; these mappings must agree with it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

ACCOUNT = register_object_type("account")
CONTACT = register_object_type("contact")
ACTIVITY = register_object_type("activity")

ACTIVITY_KINDS = ("call", "email", "meeting", "note", "task")


class Account(TenantMixin, TimestampMixin, Versioned, CustomFieldsMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "parent_id"], ["accounts.tenant_id", "accounts.id"]),
        member_fk("owner_id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    domain: Mapped[str | None] = mapped_column(String(253))
    industry: Mapped[str | None] = mapped_column(String(100))
    parent_id: Mapped[uuid.UUID | None] = mapped_column()
    # Null: the account is in the tenant's public pool (graph/crm/pool.py).
    owner_id: Mapped[uuid.UUID | None] = mapped_column()
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    street: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Live contacts linked to the account, kept by triggers (migration 0201); never written by the ORM.
    live_contact_count: Mapped[int] = mapped_column(Integer, server_default="0")


class Contact(TenantMixin, TimestampMixin, Versioned, CustomFieldsMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (member_fk("owner_id"),)

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Null: guessed from the script (graph/crm/names.py). `full_name` is derived, stored for sorting.
    name_order: Mapped[str | None] = mapped_column(String(16))
    full_name: Mapped[str] = mapped_column(String(201), default="")
    emails: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    phones: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    birthday: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[uuid.UUID] = mapped_column()
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The contact asked for no email (survey links and bulk mail skip them; migration 0350).
    email_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # Marketing SMS refused (a STOP reply, staff on request; migration 0370, graph/marketing/sms.py).
    sms_opt_out: Mapped[bool] = mapped_column(Boolean, default=False)


class ContactAccount(Base):
    __tablename__ = "contact_accounts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)


class Activity(TenantMixin, TimestampMixin, Versioned, CustomFieldsMixin, Base):
    __tablename__ = "activities"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "account_id"], ["accounts.tenant_id", "accounts.id"]),
        ForeignKeyConstraint(["tenant_id", "contact_id"], ["contacts.tenant_id", "contacts.id"]),
        ForeignKeyConstraint(["tenant_id", "author_id"], ["memberships.tenant_id", "memberships.user_id"]),
    )

    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    account_id: Mapped[uuid.UUID | None] = mapped_column()
    contact_id: Mapped[uuid.UUID | None] = mapped_column()
    author_id: Mapped[uuid.UUID] = mapped_column()


# Custom fields and field-level role rules: built-in GraphQL fields -> the attributes a write sets;
# `hideable` fields are nullable in the schema so a role can hide them (tenants/fields/registry.py).
register_custom_fields(
    ACCOUNT,
    Account,
    graphql_type="Account",
    fields={
        "name": ["name"],
        "domain": ["domain"],
        "industry": ["industry"],
        "parent": ["parent_id"],
        "owner": ["owner_id"],
        "tags": ["tags"],
        "address": ["street", "city", "region", "postal_code", "country"],
        "notes": ["notes"],
    },
    # Not `parent`: `ancestors` and `children` show the hierarchy too (it can be made read-only).
    hideable=["domain", "industry", "owner", "tags", "address", "notes"],
)
register_custom_fields(
    CONTACT,
    Contact,
    graphql_type="Contact",
    fields={
        "firstName": ["first_name"],
        "lastName": ["last_name"],
        "nameOrder": ["name_order"],
        "emails": ["emails"],
        "phones": ["phones"],
        "smsOptOut": ["sms_opt_out"],
        "birthday": ["birthday"],
        "owner": ["owner_id"],
        "tags": ["tags"],
        "notes": ["notes"],
    },
    hideable=["emails", "phones", "birthday", "owner", "tags", "notes"],
)
register_custom_fields(
    ACTIVITY,
    Activity,
    graphql_type="Activity",
    fields={
        "kind": ["kind"],
        "subject": ["subject"],
        "body": ["body"],
        "occurredAt": ["occurred_at"],
        "dueAt": ["due_at"],
        "done": ["done"],
        "account": ["account_id"],
        "contact": ["contact_id"],
        "author": [],
    },
    # Not `account`/`contact`: an account's or contact's timeline shows the link from the other side.
    hideable=["body", "dueAt", "author"],
    # Authorship is history: reassigning a departed member's records leaves activities alone.
    owner_column=None,
)
