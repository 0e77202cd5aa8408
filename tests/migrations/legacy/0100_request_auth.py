"""Authentication of a request in one round trip: SQL functions that check a session token or an API key,
enter the tenant (transaction-local settings) and return the actor's membership and role.

Each is one statement from the gateway's point of view, instead of the six to eight round trips the ORM
needed (session lookup, set_config, membership + role join, touch). They are SECURITY INVOKER: they run
as the application role, under the same row-level security as every other query; the settings are made
before the tenant tables are read, which a single SQL statement could not order reliably.

The session function also returns the tenant's `fields_version`, bumped by a trigger whenever a custom
field definition changes, so a process can cache definitions per (tenant, version) and never serve stale
ones (tenants/fields/values.py).

They also return the tenant's security policy (0140_account_security: IP allowlist, session limits, the
MFA rule) and the session's start and last activity, so the policy costs no round trip of its own
(gateway/auth.py judges the row).

Revision ID: 0100_request_auth
Revises: 0004_settings, 0060_tenant_admin, 0140_account_security
Create Date: 2026-12-03
"""

from alembic import op

revision = "0100_request_auth"
down_revision = ("0004_settings", "0060_tenant_admin", "0140_account_security")
branch_labels = None
depends_on = None

SESSION = """
    create function crm_authenticate_session(
        p_token_hash bytea, p_statement_timeout text, p_touch_seconds integer
    ) returns table (
        session_id uuid, user_id uuid, tenant_id uuid, team_id uuid,
        role_id uuid, role_key text, role_is_builtin boolean, role_version integer,
        role_permissions text, fields_version bigint,
        session_created_at timestamptz, session_last_seen_at timestamptz,
        ip_allowlist text[], session_idle_minutes integer, session_max_hours integer,
        mfa_required text, mfa_enrolled boolean
    ) language plpgsql volatile as $$
    declare
        found_session record;
    begin
        select s.id, s.user_id, s.active_tenant_id, s.created_at, s.last_seen_at into found_session
          from public.user_sessions s
         where s.token_hash = p_token_hash and s.revoked_at is null and s.expires_at > now();
        if not found then
            return;
        end if;
        perform set_config('app.tenant_id', found_session.active_tenant_id::text, true),
                set_config('app.user_id', found_session.user_id::text, true),
                set_config('statement_timeout', p_statement_timeout, true);
        if found_session.last_seen_at is null
           or found_session.last_seen_at < now() - make_interval(secs => p_touch_seconds) then
            update public.user_sessions set last_seen_at = now() where id = found_session.id;
        end if;
        -- last_seen_at as it was before this request: the idle limit judges the gap before it.
        return query
            select found_session.id, found_session.user_id, found_session.active_tenant_id,
                   m.team_id, r.id, r.key::text, r.is_builtin, r.version,
                   case when r.is_builtin then null else r.permissions::text end,
                   (select t.fields_version from public.tenants t where t.id = found_session.active_tenant_id),
                   found_session.created_at, found_session.last_seen_at,
                   p.ip_allowlist::text[], p.session_idle_minutes, p.session_max_hours,
                   p.mfa_required::text,
                   exists(select 1 from public.user_mfa f
                           where f.user_id = found_session.user_id and f.enabled_at is not null)
              from (select 1) as one
              left join (public.memberships m
                         join public.users u on u.id = m.user_id and u.is_active
                         join public.roles r on r.tenant_id = m.tenant_id and r.id = m.role_id)
                on m.tenant_id = found_session.active_tenant_id
               and m.user_id = found_session.user_id
               and m.is_active
              left join public.tenant_security_settings p on p.tenant_id = found_session.active_tenant_id;
    end
    $$"""

API_KEY = """
    create function crm_authenticate_api_key(
        p_tenant_id uuid, p_prefix text, p_key_hash bytea, p_statement_timeout text, p_touch_seconds integer
    ) returns table (
        api_key_id uuid, usable boolean, creator_id uuid, team_id uuid, creator_active boolean,
        role_id uuid, role_key text, role_is_builtin boolean, role_version integer, role_permissions text,
        fields_version bigint, ip_allowlist text[], session_idle_minutes integer, session_max_hours integer,
        mfa_required text, mfa_enrolled boolean
    ) language plpgsql volatile as $$
    begin
        perform set_config('app.tenant_id', p_tenant_id::text, true),
                set_config('app.user_id', '', true),
                set_config('statement_timeout', p_statement_timeout, true);
        update public.api_keys set last_used_at = now()
         where tenant_id = p_tenant_id and prefix = p_prefix and key_hash = p_key_hash
           and revoked_at is null and (expires_at is null or expires_at > now())
           and (last_used_at is null or last_used_at < now() - make_interval(secs => p_touch_seconds));
        return query
            select k.id,
                   k.revoked_at is null and (k.expires_at is null or k.expires_at > now()),
                   k.created_by_id, m.team_id,
                   coalesce(m.is_active and u.is_active, false),
                   r.id, r.key::text, r.is_builtin, r.version,
                   case when r.is_builtin then null else r.permissions::text end,
                   (select t.fields_version from public.tenants t where t.id = p_tenant_id),
                   p.ip_allowlist::text[], p.session_idle_minutes, p.session_max_hours,
                   p.mfa_required::text, false
              from public.api_keys k
              join public.roles r on r.tenant_id = k.tenant_id and r.id = k.role_id
              left join public.memberships m on m.tenant_id = k.tenant_id and m.user_id = k.created_by_id
              left join public.users u on u.id = k.created_by_id
              left join public.tenant_security_settings p on p.tenant_id = k.tenant_id
             where k.tenant_id = p_tenant_id and k.prefix = p_prefix and k.key_hash = p_key_hash;
    end
    $$"""


def upgrade() -> None:
    op.execute("alter table tenants add column fields_version bigint not null default 0")
    op.execute("""
        create function crm_bump_fields_version() returns trigger language plpgsql as $$
        begin
            update public.tenants set fields_version = fields_version + 1
             where id = coalesce(new.tenant_id, old.tenant_id);
            return null;
        end
        $$""")
    op.execute("""
        create trigger field_definitions_version after insert or update or delete on field_definitions
        for each row execute function crm_bump_fields_version()""")
    # A session: no row when the token is unknown, expired or revoked; a row with a null role_id when
    # the user is no longer an active member of the session's tenant.
    op.execute(SESSION)
    # An API key of a tenant (named in the key itself), matched by prefix and SHA-256 digest (a digest of
    # 256 random bits: comparing digests leaks nothing usable). It acts for its creator, so it dies with
    # the creator's membership; last_used_at is touched only for a matching, usable key.
    op.execute(API_KEY)


def downgrade() -> None:
    op.execute("drop function crm_authenticate_api_key(uuid, text, bytea, text, integer)")
    op.execute("drop function crm_authenticate_session(bytea, text, integer)")
    op.execute("drop trigger field_definitions_version on field_definitions")
    op.execute("drop function crm_bump_fields_version()")
    op.execute("alter table tenants drop column fields_version")
