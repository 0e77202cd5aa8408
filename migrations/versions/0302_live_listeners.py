"""Live listeners: NOTIFY only for tenants somebody is subscribed to (issue 11).

A transaction that sends NOTIFY takes a database-wide lock at commit, so every create, update and move
that notified queued behind every other one: on the peer bench's data, 4 concurrent clients committed
480 creates/s with the notification and 780/s without it (one client: the same speed; the cost is the
queue, not CPU). Most tenants have nobody watching live at a given moment, so each server process now
records the tenants its subscribers watch (`live_listeners`, one row per tenant and process, refreshed
with the listener's health ping and expiring when a process dies) and `crm_emit_event` notifies only
when the event's tenant has a live row. The webhook outbox rows are written as before.

`crm_live_listen` enters each tenant in turn (the same transaction-local setting every tenant wall
uses), renews or adds the process's rows, drops the ones of tenants it no longer watches and expired
rows of processes that died. How a new subscription stays race-free is graph/live/postgres.py's part.

Revision ID: 0302_live_listeners
Revises: 0301_report_rollups
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0302_live_listeners"
down_revision = "0301_report_rollups"
branch_labels = None
depends_on = None

LISTEN = """
create function crm_live_listen(p_listener uuid, p_tenants uuid[], p_dropped uuid[], p_seconds integer)
returns void
language plpgsql volatile as $$
declare
    v_tenant uuid;
begin
    foreach v_tenant in array p_tenants loop
        perform set_config('app.tenant_id', v_tenant::text, true);
        insert into live_listeners (tenant_id, listener_id, expires_at)
        select v_tenant, p_listener, now() + make_interval(secs => p_seconds)
        where exists (select 1 from tenants t where t.id = v_tenant)  -- a tenant deleted meanwhile
        on conflict (tenant_id, listener_id) do update set expires_at = excluded.expires_at;
        delete from live_listeners where tenant_id = v_tenant and expires_at < now();
    end loop;
    foreach v_tenant in array p_dropped loop
        perform set_config('app.tenant_id', v_tenant::text, true);
        delete from live_listeners where tenant_id = v_tenant and listener_id = p_listener;
    end loop;
    perform set_config('app.tenant_id', '', true);
end
$$"""

EMIT_EVENT = """
create or replace function crm_emit_event(p_channel text, p_payload text) returns void
language plpgsql volatile as $$
declare
    v_event jsonb;
begin
    if p_channel <> 'crm_events' then
        perform pg_notify(p_channel, p_payload);
        return;
    end if;
    v_event := p_payload::jsonb;
    -- Only when a server process has subscribers of this tenant (RLS: rows of the current tenant).
    if exists (select 1 from live_listeners l
                where l.tenant_id = (v_event->>'tenant')::uuid and l.expires_at > now()) then
        perform pg_notify(p_channel, p_payload);
    end if;
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

PREVIOUS_EMIT_EVENT = """
create or replace function crm_emit_event(p_channel text, p_payload text) returns void
language plpgsql volatile as $$
declare
    v_event jsonb;
begin
    perform pg_notify(p_channel, p_payload);
    if p_channel <> 'crm_events' then
        return;
    end if;
    v_event := p_payload::jsonb;
    insert into webhook_deliveries (tenant_id, id, endpoint_id, event_id, event_type, event, next_attempt_at)
    select e.tenant_id, gen_random_uuid(), e.id, event_id, v_event->>'type', v_event, now()
    from webhook_endpoints e, (select gen_random_uuid() as event_id) as fresh
    where e.tenant_id = (v_event->>'tenant')::uuid
      and e.enabled
      and (v_event->>'type') = any(e.event_types);
end
$$"""


def upgrade() -> None:
    op.execute(
        """
create table live_listeners (
    tenant_id uuid not null references tenants (id) on delete cascade,
    listener_id uuid not null,
    expires_at timestamptz not null,
    primary key (tenant_id, listener_id)
)"""
    )
    enable_tenant_rls("live_listeners")
    op.execute(LISTEN)
    op.execute(EMIT_EVENT)


def downgrade() -> None:
    op.execute(PREVIOUS_EMIT_EVENT)
    op.execute("drop function crm_live_listen(uuid, uuid[], uuid[], integer)")
    op.execute("drop table live_listeners")
