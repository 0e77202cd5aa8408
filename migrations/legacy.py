"""Databases of the previous release: migrated by the 31 revisions squashed into `0200_baseline`.

Such a database records the ten heads of the old revision graph in `alembic_version`, revisions the
code no longer has. `crm migrate` recognises exactly that set, checks that the schema is the one the
baseline builds (`schema_signature` against `baseline_signature.txt`), and only then replaces the ten
rows by the baseline's id, in one transaction; upgrading then continues with the revisions after the
baseline. A database stopped between old revisions, or whose schema differs, is refused with the reason:
nothing is stamped or changed. (docs/migrations.md, "Moving a previous-release database")
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from tenants.db import to_async_url

BASELINE_REVISION = "0200_baseline"
SIGNATURE_FILE = Path(__file__).parent / "baseline_signature.txt"

# The squashed revisions (tests/migrations/legacy/), and the heads their graph ended with.
LEGACY_REVISIONS = frozenset(
    {
        "0001_platform", "0002_crm", "0003_tenant_registry", "0004_settings", "0010_sales_pipeline",
        "0011_opportunity_name_search", "0012_opportunity_custom_fields", "0020_leads_pool",
        "0021_leads_opportunity", "0030_commerce", "0031_commerce_opportunity", "0040_projects",
        "0041_projects_opportunity", "0042_projects_contract", "0050_documents", "0060_tenant_admin",
        "0080_leads_custom", "0081_projects_custom", "0082_commerce_custom", "0083_documents_custom",
        "0100_request_auth", "0120_login_log", "0130_alembic_version_read_only", "0140_account_security",
        "0150_opportunity_rollups", "0160_money_locale", "0170_pool_keep_customers", "0171_activities_done",
        "0172_duplicate_keys", "0173_contact_names", "0180_pending_sign_ups",
    }
)  # fmt: skip
LEGACY_HEADS = frozenset(
    {
        "0081_projects_custom", "0082_commerce_custom", "0083_documents_custom", "0100_request_auth",
        "0120_login_log", "0130_alembic_version_read_only", "0150_opportunity_rollups", "0160_money_locale",
        "0173_contact_names", "0180_pending_sign_ups",
    }
)  # fmt: skip


class MigrationRefused(RuntimeError):
    """The database cannot be migrated by this release as it is; the message says why and what to do."""


# One line per schema object of `public`, printed by the server from its catalogs: names, types
# (not column positions: databases that applied the old branches in another order have other ones),
# defaults and definitions, with the owner and the application role spelled OWNER and APP. Left out:
# `alembic_version`, objects of extensions, NOT NULL constraints (PostgreSQL 18 lists them as
# constraints, older servers do not; the column lines carry them), the `cf_` custom-field indexes,
# which `crm indexes` builds and drops outside migrations, and grants to other
# roles than the application's and PUBLIC (an operator's reporting role, say). Extensions beyond the
# baseline's may be installed too (see `differences`).
SIGNATURE_QUERY = """
with relations as (
    select c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, c.relacl, c.relowner
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
      and c.relname <> 'alembic_version'
      and not exists (select from pg_depend d where d.classid = 'pg_class'::regclass
                      and d.objid = c.oid and d.deptype = 'e')
),
role_names as (
    select oid, case when oid = (select relowner from pg_class where oid = 'alembic_version'::regclass)
                     then 'OWNER' when rolname = :app_role then 'APP' else rolname end as name
    from pg_roles
)
select format('relation %s kind=%s rls=%s force=%s', relname, relkind, relrowsecurity, relforcerowsecurity)
from relations
union all
select format('column %s.%s %s%s%s%s', r.relname, a.attname,
              format_type(a.atttypid, a.atttypmod),
              case when a.attnotnull then ' not null' else '' end,
              case when a.attgenerated = 's' then ' generated ' || pg_get_expr(d.adbin, d.adrelid)
                   when d.adbin is not null then ' default ' || pg_get_expr(d.adbin, d.adrelid) else '' end,
              case when a.attidentity <> '' then ' identity ' || a.attidentity::text else '' end)
from relations r
join pg_attribute a on a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped
left join pg_attrdef d on d.adrelid = r.oid and d.adnum = a.attnum
union all
select format('constraint %s.%s %s', r.relname, c.conname, pg_get_constraintdef(c.oid))
from pg_constraint c join relations r on r.oid = c.conrelid
where c.contype <> 'n'
union all
select 'index ' || pg_get_indexdef(i.indexrelid)
from pg_index i join relations r on r.oid = i.indrelid
join pg_class ic on ic.oid = i.indexrelid
where ic.relname not like 'cf\\_%'
union all
select format('policy %s.%s cmd=%s permissive=%s to=%s using (%s) check (%s)', r.relname, p.polname,
              p.polcmd, p.polpermissive,
              (select string_agg(coalesce(n.name, 'PUBLIC'), ',' order by n.name)
               from unnest(p.polroles) as role_oid left join role_names n on n.oid = role_oid),
              pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid))
from pg_policy p join relations r on r.oid = p.polrelid
union all
select 'trigger ' || pg_get_triggerdef(t.oid)
from pg_trigger t join relations r on r.oid = t.tgrelid
where not t.tgisinternal
union all
select format('function %s(%s) %s', p.proname, pg_get_function_identity_arguments(p.oid),
              md5(pg_get_functiondef(p.oid)))
from pg_proc p
where p.pronamespace = 'public'::regnamespace
  and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass
                  and d.objid = p.oid and d.deptype = 'e')
union all
select format('grant %s to %s: %s', r.relname, coalesce(n.name, 'PUBLIC'),
              string_agg(acl.privilege_type, ',' order by acl.privilege_type))
from relations r cross join aclexplode(r.relacl) as acl
left join role_names n on n.oid = acl.grantee
where acl.grantee <> r.relowner and coalesce(n.name, 'PUBLIC') in ('APP', 'PUBLIC')
group by r.relname, n.name
union all
select format('grant %s to %s: %s', 'alembic_version', coalesce(n.name, 'PUBLIC'),
              string_agg(acl.privilege_type, ',' order by acl.privilege_type))
from pg_class c cross join aclexplode(c.relacl) as acl
left join role_names n on n.oid = acl.grantee
where c.oid = 'alembic_version'::regclass and coalesce(n.name, 'PUBLIC') in ('APP', 'PUBLIC')
group by n.name
union all
select format('schema public grant to %s: %s', coalesce(n.name, 'PUBLIC'),
              string_agg(acl.privilege_type, ',' order by acl.privilege_type))
from pg_namespace s cross join aclexplode(s.nspacl) as acl
left join role_names n on n.oid = acl.grantee
where s.nspname = 'public' and n.name = 'APP'
group by n.name
union all
select format('default privileges %s on %s to %s: %s', coalesce(o.name, '?'), da.defaclobjtype,
              coalesce(n.name, 'PUBLIC'), string_agg(acl.privilege_type, ',' order by acl.privilege_type))
from pg_default_acl da cross join aclexplode(da.defaclacl) as acl
left join role_names n on n.oid = acl.grantee
left join role_names o on o.oid = da.defaclrole
where da.defaclnamespace = 'public'::regnamespace and coalesce(n.name, 'PUBLIC') in ('APP', 'PUBLIC')
group by o.name, da.defaclobjtype, n.name
union all
select 'extension ' || extname from pg_extension where extname <> 'plpgsql'
"""


async def schema_signature(connection: AsyncConnection, app_role: str) -> list[str]:
    """The sorted signature lines of the database's schema (see SIGNATURE_QUERY)."""
    # Definitions print names outside the search path qualified: fix it for this transaction.
    await connection.execute(text("select set_config('search_path', 'public', true)"))
    rows = await connection.execute(text(SIGNATURE_QUERY), {"app_role": app_role})
    return sorted(row[0].replace("\n", "\\n") for row in rows)


def expected_signature() -> list[str]:
    return SIGNATURE_FILE.read_text().splitlines()


async def signature_of(url: str, app_role: str) -> list[str]:
    engine = create_async_engine(to_async_url(url), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            return await schema_signature(connection, app_role)
    finally:
        await engine.dispose()


async def stamp_previous_release(owner_url: str, app_role: str) -> bool:
    """Move a previous-release database onto the baseline; True if it did. Raises MigrationRefused."""
    engine = create_async_engine(to_async_url(owner_url), poolclass=pool.NullPool)
    try:
        async with engine.begin() as connection:
            if (await connection.execute(text("select to_regclass('alembic_version')"))).scalar() is None:
                return False
            await connection.execute(text("lock table alembic_version in exclusive mode"))
            applied = set((await connection.execute(text("select version_num from alembic_version"))).scalars())
            if not applied & LEGACY_REVISIONS:
                return False
            if applied != LEGACY_HEADS:
                raise MigrationRefused(
                    "crm: the database is between revisions of the previous release "
                    f"({', '.join(sorted(applied))}); run `crm migrate` of the previous release first, then "
                    "this one."
                )
            missing, unexpected = differences(await schema_signature(connection, app_role))
            if missing or unexpected:
                raise MigrationRefused(
                    "crm: the database's schema is not the previous release's, so it is not stamped to "
                    f"{BASELINE_REVISION}. Missing: {shown(missing)}. Unexpected: {shown(unexpected)}. "
                    "See docs/migrations.md (Moving a previous-release database)."
                )
            await connection.execute(text("delete from alembic_version"))
            await connection.execute(
                text("insert into alembic_version (version_num) values (:baseline)"),
                {"baseline": BASELINE_REVISION},
            )
            return True
    finally:
        await engine.dispose()


def differences(found: list[str]) -> tuple[list[str], list[str]]:
    """(missing, unexpected) signature lines; another extension (pg_stat_statements, say) is no
    difference: it adds no table or function of ours."""
    expected = expected_signature()
    missing = sorted(set(expected) - set(found))
    unexpected = sorted(line for line in set(found) - set(expected) if not line.startswith("extension "))
    return missing, unexpected


def shown(lines: list[str], limit: int = 10) -> str:
    if not lines:
        return "none"
    more = f" (and {len(lines) - limit} more)" if len(lines) > limit else ""
    return "; ".join(lines[:limit]) + more
