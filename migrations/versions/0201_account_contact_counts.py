"""Accounts keep the number of their live contacts (`accounts.live_contact_count`), so a page of accounts
shows `contactCount` without counting links per row (the compiled read path uses it when the caller sees
every contact; a narrower record scope still counts the links it may see).

Kept by row triggers in the writing transaction: a link added or removed counts when its contact is live;
a contact soft-deleted or restored moves every count it is linked to; a contact deleted for good takes
its links off before the cascade removes them (the cascade's own deletes then find no live contact and
change nothing). The triggers run as the writer, under RLS, like the writes that fire them.

Revision ID: 0201_account_contact_counts
Revises: 0200_baseline
Create Date: 2026-12-03
"""

from alembic import op

revision = "0201_account_contact_counts"
down_revision = "0200_baseline"
branch_labels = None
depends_on = None

FUNCTIONS = [
    """
create function crm_count_contact_links(p_tenant_id uuid, p_contact_id uuid, p_account_id uuid, p_delta integer)
returns void language sql as $$
    update public.accounts set live_contact_count = live_contact_count + p_delta
     where tenant_id = p_tenant_id and id = p_account_id
       and exists (select 1 from public.contacts c
                    where c.tenant_id = p_tenant_id and c.id = p_contact_id and c.deleted_at is null)
$$
""",
    """
create function crm_contact_links_changed() returns trigger language plpgsql as $$
begin
    if tg_op in ('DELETE', 'UPDATE') then
        perform crm_count_contact_links(old.tenant_id, old.contact_id, old.account_id, -1);
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        perform crm_count_contact_links(new.tenant_id, new.contact_id, new.account_id, 1);
    end if;
    return null;
end $$
""",
    """
create function crm_contact_liveness_changed() returns trigger language plpgsql as $$
declare
    delta integer;
begin
    if tg_op = 'DELETE' then
        delta := case when old.deleted_at is null then -1 else 0 end;
    else
        delta := case when old.deleted_at is null then -1 else 0 end
               + case when new.deleted_at is null then 1 else 0 end;
    end if;
    if delta <> 0 then
        update public.accounts a set live_contact_count = a.live_contact_count + delta
          from public.contact_accounts l
         where l.tenant_id = old.tenant_id and l.contact_id = old.id
           and a.tenant_id = l.tenant_id and a.id = l.account_id;
    end if;
    if tg_op = 'DELETE' then
        return old;
    end if;
    return null;
end $$
""",
]


def upgrade() -> None:
    op.execute("alter table accounts add column live_contact_count integer not null default 0")
    for function in FUNCTIONS:
        op.execute(function)
    op.execute(
        "create trigger contact_links_count after insert or delete or update of contact_id, account_id"
        " on contact_accounts for each row execute function crm_contact_links_changed()"
    )
    op.execute(
        "create trigger contacts_liveness_count after update of deleted_at on contacts"
        " for each row when ((old.deleted_at is null) is distinct from (new.deleted_at is null))"
        " execute function crm_contact_liveness_changed()"
    )
    # BEFORE: the links must still be there (the cascade removes them after the row is gone).
    op.execute(
        "create trigger contacts_deleted_count before delete on contacts"
        " for each row execute function crm_contact_liveness_changed()"
    )
    op.execute("alter table accounts no force row level security")
    op.execute(
        "update accounts a set live_contact_count = counted.n from ("
        " select l.tenant_id, l.account_id, count(*) as n from contact_accounts l"
        " join contacts c on c.tenant_id = l.tenant_id and c.id = l.contact_id and c.deleted_at is null"
        " group by l.tenant_id, l.account_id) counted"
        " where a.tenant_id = counted.tenant_id and a.id = counted.account_id"
    )
    op.execute("alter table accounts force row level security")


def downgrade() -> None:
    op.execute("drop trigger contacts_deleted_count on contacts")
    op.execute("drop trigger contacts_liveness_count on contacts")
    op.execute("drop trigger contact_links_count on contact_accounts")
    op.execute("drop function crm_contact_liveness_changed()")
    op.execute("drop function crm_contact_links_changed()")
    op.execute("drop function crm_count_contact_links(uuid, uuid, uuid, integer)")
    op.execute("alter table accounts drop column live_contact_count")
