"""Company keys in PL/pgSQL: an account or lead insert no longer plans the key's expression every time.

`accounts.company_key` and `leads.company_key` are generated columns computed by `crm_company_key`
(duplicate checks read them: README "Duplicate keys are stored"). Since 0382 the function was an
inlinable SQL-standard body, and PostgreSQL prepares a stored generated column's expression at every
executor start: it parsed the column's expression, fetched and decompressed the function's body,
parsed it and folded the result, for every single-row insert. A PL/pgSQL function is compiled once
per connection; the insert only calls it. perf over the peer bench's creates (share of all CPU, server
and wrk included): preparing the column 2.68 % -> 0.61 %, computing it 1.94 % -> 3.02 % (the PL/pgSQL
call), together 4.6 % -> 3.6 %: about 2 % of the create's PostgreSQL CPU.

The expression is the same (checked equal on the bench's 245k account names and samples of Chinese
company forms, legal suffixes, brackets and full-width letters); its literals are E'' strings so the
patterns do not depend on `standard_conforming_strings` when the body is compiled, and the builtins are
schema-qualified, so no `SET search_path` (a per-call cost) is needed. The stored keys stay valid.

Revision ID: 0401_company_key_plpgsql
Revises: 0400_admission_stamps
Create Date: 2026-12-03
"""

from alembic import op

revision = "0401_company_key_plpgsql"
down_revision = "0400_admission_stamps"
branch_labels = None
depends_on = None

KEY_EXPRESSION = r"""NULLIF(pg_catalog.btrim(pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.regexp_replace(pg_catalog.lower(NORMALIZE(name, NFKC)), E'\\([^()]*\\)|\\[[^]]*\\]|【[^】]*】'::text, ' '::text, 'g'::text), E'[^[:alnum:]\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af]+'::text, ' '::text, 'g'::text), E'\\s*(股份有限公司|有限责任公司|有限公司|集团|公司)+\\s*$'::text, ''::text, 'g'::text), E'(\\s(inc|incorporated|llc|llp|lp|ltd|limited|gmbh|mbh|corp|corporation|co|company|plc|ag|kg|sa|sas|sarl|srl|spa|bv|nv|oy|ab|as|pty|pte|kk))+\\s*$'::text, ''::text, 'g'::text), E'\\s+'::text, ' '::text, 'g'::text)), ''::text)"""
# As 0382 left it (migrations/baseline.sql without its search path).
PREVIOUS_EXPRESSION = r"""NULLIF(btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(lower(NORMALIZE(name, NFKC)), '\([^()]*\)|\[[^]]*\]|【[^】]*】'::text, ' '::text, 'g'::text), '[^[:alnum:]\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+'::text, ' '::text, 'g'::text), '\s*(股份有限公司|有限责任公司|有限公司|集团|公司)+\s*$'::text, ''::text, 'g'::text), '(\s(inc|incorporated|llc|llp|lp|ltd|limited|gmbh|mbh|corp|corporation|co|company|plc|ag|kg|sa|sas|sarl|srl|spa|bv|nv|oy|ab|as|pty|pte|kk))+\s*$'::text, ''::text, 'g'::text), '\s+'::text, ' '::text, 'g'::text)), ''::text)"""

PLPGSQL = """
CREATE OR REPLACE FUNCTION public.crm_company_key(name text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
        begin
            return {expression};
        end
    $$
"""
SQL_BODY = """
CREATE OR REPLACE FUNCTION public.crm_company_key(name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN {expression}
"""


def upgrade() -> None:
    op.execute(PLPGSQL.format(expression=KEY_EXPRESSION))


def downgrade() -> None:
    op.execute(SQL_BODY.format(expression=PREVIOUS_EXPRESSION))
