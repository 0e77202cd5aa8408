"""Leaner functions in every request's statement (issue 11: the one-trip create's PostgreSQL CPU).

Profiled with perf on the peer bench's data, the create statement spent:
- a fifth of its time in `crm_authenticate_session`: its lookup, then a separate PERFORM for the three
  transaction-local settings, then the membership query: each statement of a PL/pgSQL function starts
  an executor of its own. The settings now ride in the lookup's select list (evaluated only for the
  session found, so nothing is set for an unknown token): one statement fewer, 8 % of the function's
  CPU (0.1188 -> 0.1075 ms per call in alternating runs).
- 12 % in the generated `company_key` column: `crm_company_key` carried `SET search_path`, which keeps
  PostgreSQL from inlining a SQL function, so every insert called it through the function manager and
  read its body back from the catalogue. Its body, like those of `crm_phone_digits`, `crm_lower_array`
  and `crm_phone_digits_array`, is a SQL-standard body (`RETURN ...`), parsed when the function is
  created: its names are bound to the objects they named then, so the search path of a caller cannot
  redirect them and the setting protected nothing. Without it the two scalar functions are inlined
  into the statements that use them (generated columns, duplicate checks); the two array functions,
  whose bodies hold a subquery, are not inlined but no longer switch the search path on every call
  (the contacts trigger calls them for each contact).

Revision ID: 0382_lean_statement_functions
Revises: 0381_close_span_rollups
Create Date: 2026-12-03
"""

from alembic import op

revision = "0382_lean_statement_functions"
down_revision = "0381_close_span_rollups"
branch_labels = None
depends_on = None

# SQL-standard bodies: bound at creation (see above), so inlinable without a search path of their own.
INLINABLE = (
    "crm_company_key(text)",
    "crm_phone_digits(text)",
    "crm_lower_array(text[])",
    "crm_phone_digits_array(text[])",
)
# What each had (migrations/baseline.sql), for the downgrade.
SEARCH_PATHS = {
    "crm_company_key(text)": "pg_catalog",
    "crm_phone_digits(text)": "pg_catalog",
    "crm_lower_array(text[])": "pg_catalog",
    "crm_phone_digits_array(text[])": "pg_catalog, public",
}

PREVIOUS_AUTHENTICATE_SESSION = """
CREATE OR REPLACE FUNCTION public.crm_authenticate_session(p_token_hash bytea, p_statement_timeout text, p_touch_seconds integer) RETURNS TABLE(session_id uuid, user_id uuid, tenant_id uuid, team_id uuid, role_id uuid, role_key text, role_is_builtin boolean, role_version integer, role_permissions text, fields_version bigint, session_created_at timestamp with time zone, session_last_seen_at timestamp with time zone, ip_allowlist text[], session_idle_minutes integer, session_max_hours integer, mfa_required text, mfa_enrolled boolean)
    LANGUAGE plpgsql
    AS $$
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
    $$
"""

# The lookup as it was, and as it is now.
PREVIOUS_LOOKUP = """
        select s.id, s.user_id, s.active_tenant_id, s.created_at, s.last_seen_at into found_session
          from public.user_sessions s
         where s.token_hash = p_token_hash and s.revoked_at is null and s.expires_at > now();
        if not found then
            return;
        end if;
        perform set_config('app.tenant_id', found_session.active_tenant_id::text, true),
                set_config('app.user_id', found_session.user_id::text, true),
                set_config('statement_timeout', p_statement_timeout, true);
"""

LOOKUP = """
        -- The settings in the lookup's own select list (evaluated for the session found only): one
        -- statement fewer per request than a separate PERFORM.
        select s.id, s.user_id, s.active_tenant_id, s.created_at, s.last_seen_at,
               set_config('app.tenant_id', s.active_tenant_id::text, true),
               set_config('app.user_id', s.user_id::text, true),
               set_config('statement_timeout', p_statement_timeout, true)
          into found_session
          from public.user_sessions s
         where s.token_hash = p_token_hash and s.revoked_at is null and s.expires_at > now();
        if not found then
            return;
        end if;
"""

AUTHENTICATE_SESSION = PREVIOUS_AUTHENTICATE_SESSION.replace(PREVIOUS_LOOKUP, LOOKUP)
assert AUTHENTICATE_SESSION != PREVIOUS_AUTHENTICATE_SESSION


def upgrade() -> None:
    for function in INLINABLE:
        op.execute(f"alter function {function} reset search_path")
    op.execute(AUTHENTICATE_SESSION)


def downgrade() -> None:
    op.execute(PREVIOUS_AUTHENTICATE_SESSION)
    for function, search_path in SEARCH_PATHS.items():
        op.execute(f"alter function {function} set search_path = {search_path}")
