r"""Duplicate keys that see through Chinese legal forms, full-width characters and E.164 phone numbers.

`crm_company_key` now folds the name with NFKC first (full-width `Ｆｕｌｌ` and `（北京）` become `Full` and
`(北京)`), drops bracketed parts (a region such as `(北京)`, `[HK]`, `【深圳】`), keeps CJK characters (the
collation's `[:alnum:]` may not count them) and drops trailing Chinese legal forms (有限公司,
股份有限公司, 有限责任公司, 集团, 公司) besides the Latin ones: 华磊科技（北京）有限公司, 华磊科技有限公司 and
华磊科技 share the key 华磊科技.

`crm_phone_digits` now keys the national number: a number written internationally (`+86 138 0013 8000`,
`0086 ...`) loses its country calling code (ITU E.164 codes are prefix-free, so one pattern splits them),
every number loses its trunk zeros (`010 ...` and `+86 10 ...` agree), and the key is the last ten
digits, so a national trunk 1 (`1-555-010-2000` = `+1 555 010 2000`) drops too; Chinese mobile numbers
(eleven digits, always starting with 1) keep every digit that tells them apart. The same national number
in two countries shares a key: these are possible duplicates for a person to confirm, never merged alone.

The keys are stored columns (README Decisions, "Duplicate keys are stored"): changing the functions does
not change stored values, so the rows whose key changes are updated again, in batches (generated
columns recompute when their source column is written; `contact_match_keys` through its trigger).

Revision ID: 0172_duplicate_keys
Revises: 0171_activities_done
Create Date: 2026-12-03
"""

# ruff: noqa: RUF002 - full-width characters are what this revision is about

from alembic import op

from migrations.backfill import backfill

revision = "0172_duplicate_keys"
down_revision = "0171_activities_done"
branch_labels = None
depends_on = None

LEGAL_SUFFIXES = (
    "inc|incorporated|llc|llp|lp|ltd|limited|gmbh|mbh|corp|corporation|co|company|plc|ag|kg|sa|sas"
    "|sarl|srl|spa|bv|nv|oy|ab|as|pty|pte|kk"
)
CJK_LEGAL_SUFFIXES = "股份有限公司|有限责任公司|有限公司|集团|公司"
# Kana, CJK ideographs (extension A and the unified block), Hangul syllables.
CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
# ITU-T E.164 country calling codes: 1, 7, the assigned two-digit codes, else three digits.
COUNTRY_CODE = (
    r"(1|7|2[07]|3[0-469]|4[013-9]|5[1-8]|6[0-6]|8[1246]|9[0-58]"
    r"|(2[1-689]|3[578]|42|5[09]|6[7-9]|8[035789]|9[679])[0-9])"
)

COMPANY_KEY = rf"""
    create or replace function crm_company_key(name text) returns text
    language sql immutable parallel safe
    set search_path = pg_catalog
    return nullif(btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        lower(normalize(name, NFKC)),
        '\([^()]*\)|\[[^]]*\]|【[^】]*】', ' ', 'g'),
        '[^[:alnum:]{CJK}]+', ' ', 'g'),
        '\s*({CJK_LEGAL_SUFFIXES})+\s*$', '', 'g'),
        '(\s({LEGAL_SUFFIXES}))+\s*$', '', 'g'),
        '\s+', ' ', 'g')), '')
"""
PHONE_KEY = rf"""
    create or replace function crm_phone_digits(phone text) returns text
    language sql immutable parallel safe
    set search_path = pg_catalog
    return nullif(right(regexp_replace(
        case when normalize(phone, NFKC) ~ '^\s*(\+|00)'
            then regexp_replace(regexp_replace(regexp_replace(normalize(phone, NFKC), '[^0-9]', '', 'g'),
                '^00', ''), '^{COUNTRY_CODE}', '')
            else regexp_replace(normalize(phone, NFKC), '[^0-9]', '', 'g')
        end, '^0+', ''), 10), '')
"""
OLD_COMPANY_KEY = rf"""
    create or replace function crm_company_key(name text) returns text
    language sql immutable parallel safe
    set search_path = pg_catalog
    return nullif(btrim(regexp_replace(regexp_replace(regexp_replace(
        lower(name), '[^[:alnum:]]+', ' ', 'g'),
        '(\s({LEGAL_SUFFIXES}))+\s*$', '', 'g'),
        '\s+', ' ', 'g')), '')
"""
OLD_PHONE_KEY = """
    create or replace function crm_phone_digits(phone text) returns text
    language sql immutable parallel safe
    set search_path = pg_catalog
    return nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '')
"""


def recompute_stored_keys() -> None:
    """Writes again only the rows whose stored key differs from what the functions now say."""
    backfill(
        "leads",
        "phone = phone, company_name = company_name",
        "phone_digits is distinct from crm_phone_digits(phone)"
        " or company_key is distinct from crm_company_key(company_name)",
    )
    backfill("accounts", "name = name", "company_key is distinct from crm_company_key(name)")
    backfill("contacts", "phones = phones", "cardinality(phones) > 0", triggered=("contact_match_keys",))


def upgrade() -> None:
    op.execute(COMPANY_KEY)
    op.execute(PHONE_KEY)
    recompute_stored_keys()


def downgrade() -> None:
    op.execute(OLD_COMPANY_KEY)
    op.execute(OLD_PHONE_KEY)
    recompute_stored_keys()
