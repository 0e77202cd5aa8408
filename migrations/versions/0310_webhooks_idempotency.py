"""Webhooks with an outbox, and idempotency keys (issue 21).

`webhook_endpoints`: a tenant's receivers (URL, subscribed event types, signing secret and the previous
one during a rotation). `webhook_deliveries` is the outbox: one row per (endpoint, event), written in
the event's own transaction by `crm_emit_event`, the function both write paths call instead of a bare
`pg_notify` (tenants/effects.py for the executor, graph/compiled/writes.py for compiled creates), so an
event reaches subscribers and webhooks together or, rolled back, neither. `webhook_attempts` is the
delivery log. `idempotency_keys` keeps a mutation's first response per (tenant, credential, key),
claimed and stored in the mutation's own transaction (`crm_idempotency_claim`, `crm_idempotency_store`).
All four are tenant tables with the standard RLS policy; indexes lead with `tenant_id`. The functions
are SECURITY INVOKER: RLS applies to everything they touch.

Revision ID: 0310_webhooks_idempotency
Revises: 0290_workday_rest
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0310_webhooks_idempotency"
down_revision = "0322_rate_limits"
branch_labels = None
depends_on = None

TABLES = ("webhook_attempts", "webhook_deliveries", "webhook_endpoints", "idempotency_keys")

EMIT_EVENT = """
create function crm_emit_event(p_channel text, p_payload text) returns void
language plpgsql volatile as $$
declare
    v_event jsonb;
begin
    perform pg_notify(p_channel, p_payload);
    if p_channel <> 'crm_events' then
        return;
    end if;
    v_event := p_payload::jsonb;
    -- One delivery per enabled endpoint of the event's tenant that subscribes to its type; RLS keeps
    -- this inside the current tenant whatever the payload says.
    insert into webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, event, next_attempt_at)
    select e.tenant_id, gen_random_uuid(), e.id, event_id, v_event->>'type', v_event, now()
    from webhook_endpoints e, (select gen_random_uuid() as event_id) as fresh
    where e.tenant_id = (v_event->>'tenant')::uuid
      and e.enabled
      and (v_event->>'type') = any(e.event_types);
end
$$"""

# The first statement claims the key (waiting for a concurrent holder's transaction to end, as any
# unique insert does); when the key is taken, the second reads the holder's committed row with a new
# snapshot (each statement of a volatile PL/pgSQL function takes one in READ COMMITTED).
IDEMPOTENCY_CLAIM = """
create function crm_idempotency_claim(p_principal uuid, p_key text, p_hash bytea, p_ttl_seconds integer)
returns table (claimed boolean, request_hash bytea, response text)
language plpgsql volatile as $$
declare
    v_tenant uuid := nullif(current_setting('app.tenant_id', true), '')::uuid;
begin
    insert into idempotency_keys as k (tenant_id, id, principal_id, idempotency_key, request_hash, expires_at)
    values (v_tenant, gen_random_uuid(), p_principal, p_key, p_hash,
            now() + make_interval(secs => p_ttl_seconds))
    on conflict (tenant_id, principal_id, idempotency_key) do update
        set id = excluded.id, request_hash = excluded.request_hash, response = null,
            created_at = now(), expires_at = excluded.expires_at
        where k.expires_at <= now();
    if found then
        return query select true, p_hash, null::text;
        return;
    end if;
    return query select false, k.request_hash, k.response from idempotency_keys k
        where k.tenant_id = v_tenant and k.principal_id = p_principal and k.idempotency_key = p_key;
end
$$"""

IDEMPOTENCY_STORE = """
create function crm_idempotency_store(p_principal uuid, p_key text, p_response text) returns void
language sql volatile as $$
    update idempotency_keys set response = p_response
    where tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
      and principal_id = p_principal and idempotency_key = p_key
$$"""


def upgrade() -> None:
    op.execute(
        """
create table webhook_endpoints (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    url varchar(2000) not null,
    description varchar(300) not null default '',
    event_types text[] not null,
    secret text not null,
    previous_secret text,
    previous_secret_expires_at timestamptz,
    enabled boolean not null default true,
    disabled_reason varchar(300),
    consecutive_failures integer not null default 0,
    created_by_id uuid,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    version integer not null default 1,
    primary key (tenant_id, id),
    check (cardinality(event_types) between 1 and 100)
)"""
    )
    op.execute("create index webhook_endpoints_created on webhook_endpoints (tenant_id, created_at, id)")
    enable_tenant_rls("webhook_endpoints")

    op.execute(
        """
create table webhook_deliveries (
    tenant_id uuid not null,
    id uuid not null,
    endpoint_id uuid not null,
    event_id uuid not null,
    event_type varchar(100) not null,
    event jsonb not null,
    status varchar(16) not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    leased_until timestamptz,
    lease_token uuid,
    last_status_code integer,
    last_error varchar(500),
    delivered_at timestamptz,
    created_at timestamptz not null default now(),
    primary key (tenant_id, id),
    foreign key (tenant_id, endpoint_id) references webhook_endpoints (tenant_id, id) on delete cascade,
    constraint webhook_deliveries_once unique (tenant_id, endpoint_id, event_id)
)"""
    )
    op.execute(
        "create index webhook_deliveries_due on webhook_deliveries (tenant_id, next_attempt_at)"
        " where status = 'pending'"
    )
    op.execute(
        "create index webhook_deliveries_log on webhook_deliveries"
        " (tenant_id, endpoint_id, created_at desc, id desc)"
    )
    enable_tenant_rls("webhook_deliveries")

    op.execute(
        """
create table webhook_attempts (
    tenant_id uuid not null,
    id uuid not null,
    delivery_id uuid not null,
    attempt integer not null,
    started_at timestamptz not null,
    duration_ms integer not null,
    status_code integer,
    error varchar(500),
    succeeded boolean not null,
    primary key (tenant_id, id),
    foreign key (tenant_id, delivery_id) references webhook_deliveries (tenant_id, id) on delete cascade
)"""
    )
    op.execute("create index webhook_attempts_delivery on webhook_attempts (tenant_id, delivery_id, attempt)")
    enable_tenant_rls("webhook_attempts")

    op.execute(
        """
create table idempotency_keys (
    tenant_id uuid not null references tenants(id) on delete cascade,
    id uuid not null,
    principal_id uuid not null,
    idempotency_key varchar(255) not null,
    request_hash bytea not null,
    response text,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    primary key (tenant_id, id),
    constraint idempotency_keys_once unique (tenant_id, principal_id, idempotency_key)
)"""
    )
    op.execute("create index idempotency_keys_expiry on idempotency_keys (tenant_id, expires_at)")
    enable_tenant_rls("idempotency_keys")

    op.execute(EMIT_EVENT)
    op.execute(IDEMPOTENCY_CLAIM)
    op.execute(IDEMPOTENCY_STORE)


def downgrade() -> None:
    op.execute("drop function crm_idempotency_store(uuid, text, text)")
    op.execute("drop function crm_idempotency_claim(uuid, text, bytea, integer)")
    op.execute("drop function crm_emit_event(text, text)")
    for table in TABLES:
        op.execute(f"drop table {table}")
