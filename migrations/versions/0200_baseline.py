"""Baseline: the whole schema of the previous release, in one revision (migrations/baseline.sql).

Revision ID: 0200_baseline
Revises:
Create Date: 2026-12-03

Squashes the 31 revisions 0001..0180 (kept as the previous release in tests/migrations/legacy/); a
database they migrated is stamped here by `crm migrate` (migrations/legacy.py). New revisions chain onto
the single head (docs/migrations.md).
"""

import re
from pathlib import Path

from alembic import context, op
from sqlalchemy.util import await_only

from tenants.embedded import checked_identifier

revision = "0200_baseline"
down_revision = None
branch_labels = None
depends_on = None

BASELINE = Path(__file__).parent.parent / "baseline.sql"
# pg_dump's header of each object: "-- Name: accounts; Type: TABLE; Schema: public"
CREATED = re.compile(r"^-- Name: (?P<name>[^;]+); Type: (?P<type>TABLE|FUNCTION); Schema: public", re.M)


def app_role() -> str:
    return checked_identifier(context.config.attributes.get("app_role", "crm_app"))


def run_script(sql: str) -> None:
    """Run many statements in the revision's transaction (asyncpg's simple protocol takes a script;
    a prepared statement, which is how SQLAlchemy sends one, takes a single statement)."""
    op.execute("select 1")  # opens the driver's transaction that the script then joins
    await_only(op.get_bind().connection.driver_connection.execute(sql))


def created(kind: str) -> list[str]:
    return [match["name"] for match in CREATED.finditer(BASELINE.read_text()) if match["type"] == kind]


def upgrade() -> None:
    # Function bodies refer to tables created after them, as in any pg_dump restore.
    op.execute("set local check_function_bodies = off")
    run_script(BASELINE.read_text().replace("@APP_ROLE@", app_role()))


def downgrade() -> None:
    """Back to an empty schema: every table and function of the baseline, the application role's grants
    and default privileges. The extensions stay (other schemas may use them, and a non-superuser owner
    may not own them)."""
    role = app_role()
    op.execute("drop table " + ", ".join(f"public.{name}" for name in created("TABLE")) + " cascade")
    op.execute("drop function " + ", ".join(f"public.{name}" for name in created("FUNCTION")))
    op.execute(
        f"alter default privileges in schema public revoke select, insert, update, delete on tables from {role}"
    )
    op.execute(f"revoke usage on schema public from {role}")
    op.execute(f"revoke all on alembic_version from {role}")
