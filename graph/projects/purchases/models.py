"""The material lines of projects and their purchase (revision 0241_project_materials)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKeyConstraint, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from graph.core.models import Versioned, member_fk
from graph.projects.models import project_fk
from tenants.fields import CustomFieldsMixin, register_custom_fields
from tenants.models import Base, TenantMixin, TimestampMixin
from tenants.permissions import register_object_type

MATERIAL = register_object_type("material_line")


class MaterialLine(CustomFieldsMixin, TenantMixin, TimestampMixin, Versioned, Base):
    __tablename__ = "material_lines"
    __table_args__ = (
        project_fk(),
        member_fk("requested_by_id"),
        ForeignKeyConstraint(
            ["tenant_id", "approval_request_id"], ["approval_requests.tenant_id", "approval_requests.id"]
        ),
    )

    project_id: Mapped[uuid.UUID] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    supplier: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[Decimal] = mapped_column(Numeric)
    amount: Mapped[Decimal] = mapped_column(Numeric)  # quantity x unit price, in the project's currency
    status: Mapped[str] = mapped_column(String(16), default="planned")
    actual_amount: Mapped[Decimal | None] = mapped_column(Numeric)
    received_on: Mapped[date | None] = mapped_column(Date)
    approval_request_id: Mapped[uuid.UUID | None] = mapped_column()
    requested_by_id: Mapped[uuid.UUID] = mapped_column()


# Custom fields and field-level role rules: prices and the supplier may be hidden from a role (a site crew
# sees what is bought, not what it costs); lines have no owner to reassign.
register_custom_fields(
    MATERIAL,
    MaterialLine,
    graphql_type="MaterialLine",
    fields={
        "name": ["name"],
        "supplier": ["supplier"],
        "quantity": ["quantity"],
        "unit": ["unit"],
        "unitPrice": ["unit_price"],
        "amount": ["amount"],
        "actualAmount": ["actual_amount"],
        "receivedOn": ["received_on"],
    },
    hideable=["supplier", "unitPrice", "amount", "actualAmount"],
    owner_column=None,
)
