"""Rate limits, issue 21: token buckets per tenant, per user and per API key, shared by every server
process through one UNLOGGED table (a bucket is cheap, recomputable state: after a crash PostgreSQL
empties the table and every bucket starts full again), and `crm_take_tokens`, which refills the caller's
buckets, takes an operation's cost from all of them or from none, and answers what the RateLimit headers
say. It also applies the tenant's persisted-operations rule, which lives in the same settings row.

Revision ID: 0322_rate_limits
Revises: 0321_persisted_operations
Create Date: 2026-12-03
"""

from alembic import op

from migrations.helpers import enable_tenant_rls

revision = "0322_rate_limits"
down_revision = "0321_persisted_operations"
branch_labels = None
depends_on = None

TAKE_TOKENS = """
create function crm_take_tokens(p_tenant_id uuid, p_user_id uuid, p_api_key_id uuid, p_cost integer,
                                p_limits integer[], p_operation_hash bytea, p_hash_only boolean)
returns table(refusal text, rate_limit integer, remaining integer, reset_seconds integer,
              retry_after integer)
language plpgsql as $$
    declare
        settings public.tenant_api_settings;
        level record;
        shown record;
        enough boolean := true;
        wait double precision := 0;
        shown_left double precision;
    begin
        if p_user_id is null then  -- a credential refused anyway (folded into its check): no charge
            return query select null::text, null::integer, null::integer, null::integer, null::integer;
            return;
        end if;
        perform set_config('app.tenant_id', p_tenant_id::text, true);
        select * into settings from public.tenant_api_settings s where s.tenant_id = p_tenant_id;
        if (p_hash_only or coalesce(settings.persisted_operations_only, false)) and not exists (
                select 1 from public.persisted_operations o
                 where o.tenant_id = p_tenant_id and o.operation_hash = p_operation_hash) then
            return query select case when p_hash_only then 'PERSISTED_QUERY_NOT_FOUND'
                                     else 'PERSISTED_QUERY_REQUIRED' end,
                                null::integer, null::integer, null::integer, null::integer;
            return;
        end if;
        -- Refill every bucket of the caller and lock it (rows in one order: kind, so concurrent
        -- requests cannot deadlock); then take the cost from all of them, or from none.
        for level in
            with wanted(kind, subject_id, burst, per_minute) as (values
                ('key', p_api_key_id, coalesce(settings.key_burst, p_limits[5]),
                 coalesce(settings.key_per_minute, p_limits[6])),
                ('tenant', p_tenant_id, coalesce(settings.tenant_burst, p_limits[1]),
                 coalesce(settings.tenant_per_minute, p_limits[2])),
                ('user', p_user_id, coalesce(settings.user_burst, p_limits[3]),
                 coalesce(settings.user_per_minute, p_limits[4])))
            insert into public.rate_limit_buckets as b
                   (tenant_id, kind, subject_id, tokens, burst, per_minute, updated_at)
            select p_tenant_id, w.kind, w.subject_id, w.burst, w.burst, w.per_minute, clock_timestamp()
              from wanted w where w.subject_id is not null
             order by w.kind
            on conflict (tenant_id, kind, subject_id) do update
               set tokens = least(excluded.burst, b.tokens + excluded.per_minute / 60.0
                                  * greatest(0, extract(epoch from excluded.updated_at - b.updated_at))),
                   burst = excluded.burst, per_minute = excluded.per_minute,
                   updated_at = greatest(b.updated_at, excluded.updated_at)
            returning b.kind, b.tokens, b.burst, b.per_minute
        loop
            if level.tokens < p_cost then
                -- the headers show the bucket that refuses longest
                if enough or (p_cost - level.tokens) * 60.0 / level.per_minute > wait then
                    shown := level;
                end if;
                enough := false;
                wait := greatest(wait, (p_cost - level.tokens) * 60.0 / level.per_minute);
            elsif enough and (shown_left is null or level.tokens - p_cost < shown_left) then
                shown := level;  -- the headers show the bucket with the least left
                shown_left := level.tokens - p_cost;
            end if;
        end loop;
        if enough then
            update public.rate_limit_buckets b set tokens = b.tokens - p_cost
             where b.tenant_id = p_tenant_id
               and ((b.kind = 'tenant' and b.subject_id = p_tenant_id)
                    or (b.kind = 'user' and b.subject_id = p_user_id)
                    or (b.kind = 'key' and b.subject_id = p_api_key_id));
            return query select null::text, shown.burst, floor(shown_left)::integer,
                                ceil((shown.burst - shown_left) * 60.0 / shown.per_minute)::integer,
                                null::integer;
        else
            return query select 'RATE_LIMITED', shown.burst, floor(shown.tokens)::integer,
                                ceil((shown.burst - shown.tokens) * 60.0 / shown.per_minute)::integer,
                                greatest(1, ceil(wait))::integer;
        end if;
    end
$$"""


def upgrade() -> None:
    op.execute(
        """
create unlogged table rate_limit_buckets (
    tenant_id uuid not null references tenants (id) on delete cascade,
    kind varchar(8) not null check (kind in ('tenant', 'user', 'key')),
    subject_id uuid not null,
    tokens double precision not null,
    burst integer not null check (burst > 0),
    per_minute integer not null check (per_minute > 0),
    updated_at timestamptz not null,
    primary key (tenant_id, kind, subject_id)
)"""
    )
    enable_tenant_rls("rate_limit_buckets")
    op.execute(TAKE_TOKENS)


def downgrade() -> None:
    op.execute("drop function crm_take_tokens(uuid, uuid, uuid, integer, integer[], bytea, boolean)")
    op.execute("drop table rate_limit_buckets")
