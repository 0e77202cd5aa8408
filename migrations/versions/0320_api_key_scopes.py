"""API keys, issue 21: scopes that narrow the key's role (`account:read`, `*:read`, ...; null: the whole
role) and rotation (a rotated key points at its replacement and keeps working until its grace period
ends, as its `expires_at`). The credential function `crm_authenticate_api_key` is replaced to return the
key's scopes as one more column at the end; every other column, and its parameters, are unchanged.

Revision ID: 0320_api_key_scopes
Revises: 0290_workday_rest
Create Date: 2026-12-03
"""

from alembic import op

revision = "0320_api_key_scopes"
down_revision = "0350_scheduled_surveys"
branch_labels = None
depends_on = None

SIGNATURE = "crm_authenticate_api_key(uuid, text, bytea, text, integer)"
RESULT = """api_key_id uuid, usable boolean, creator_id uuid, team_id uuid, creator_active boolean,
    role_id uuid, role_key text, role_is_builtin boolean, role_version integer, role_permissions text,
    fields_version bigint, ip_allowlist text[], session_idle_minutes integer, session_max_hours integer,
    mfa_required text, mfa_enrolled boolean"""


def function(extra_result: str, extra_column: str) -> str:
    return f"""
create function crm_authenticate_api_key(p_tenant_id uuid, p_prefix text, p_key_hash bytea,
                                         p_statement_timeout text, p_touch_seconds integer)
returns table({RESULT}{extra_result})
language plpgsql as $$
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
                   p.mfa_required::text, false{extra_column}
              from public.api_keys k
              join public.roles r on r.tenant_id = k.tenant_id and r.id = k.role_id
              left join public.memberships m on m.tenant_id = k.tenant_id and m.user_id = k.created_by_id
              left join public.users u on u.id = k.created_by_id
              left join public.tenant_security_settings p on p.tenant_id = k.tenant_id
             where k.tenant_id = p_tenant_id and k.prefix = p_prefix and k.key_hash = p_key_hash;
    end
$$"""


def upgrade() -> None:
    op.execute("alter table api_keys add column scopes text[]")
    op.execute(
        """
alter table api_keys
    add column replaced_by_id uuid,
    add foreign key (tenant_id, replaced_by_id) references api_keys (tenant_id, id)"""
    )
    op.execute(
        "create index api_keys_replaced_by on api_keys (tenant_id, replaced_by_id)"
        " where replaced_by_id is not null"
    )
    # The result type changes (one more column), so the function is dropped and created again, in
    # this revision's transaction: no request sees it missing.
    op.execute(f"drop function {SIGNATURE}")
    op.execute(function(",\n    scopes text[]", ",\n                   k.scopes"))


def downgrade() -> None:
    op.execute(f"drop function {SIGNATURE}")
    op.execute(function("", ""))
    op.execute("drop index api_keys_replaced_by")
    op.execute("alter table api_keys drop column replaced_by_id")
    op.execute("alter table api_keys drop column scopes")
