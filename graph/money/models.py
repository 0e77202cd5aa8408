"""Exchange rates: how many units of the tenant's base currency one unit of a currency is worth."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants.models import Base, TenantMixin, TimestampMixin


class ExchangeRate(TenantMixin, TimestampMixin, Base):
    __tablename__ = "exchange_rates"

    currency: Mapped[str] = mapped_column(String(3))
    effective_on: Mapped[date] = mapped_column(Date)
    rate: Mapped[Decimal] = mapped_column(Numeric(20, 10))
