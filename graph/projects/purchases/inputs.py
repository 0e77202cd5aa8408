"""Inputs and payloads of material and purchase mutations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from graph.admin.filters import custom_values_field
from graph.core.errors import UserError
from graph.projects.inputs import described
from graph.projects.purchases.types import MaterialLine


@strawberry.input(description="Material a project needs, in the project's currency.")
class AddMaterialLineInput:
    project_id: relay.GlobalID = strawberry.field(description="The Project (open).")
    name: str = strawberry.field(description="1-200 characters.")
    quantity: Decimal = strawberry.field(description="Greater than zero, up to 3 decimals.")
    unit: str = strawberry.field(description="1-20 characters (pcs, m, kg...).")
    unit_price: Decimal = strawberry.field(description="Not negative, the currency's minor digits at most.")
    supplier: str | None = described("Max 200 characters.")
    custom: JSON | None = custom_values_field()


@strawberry.input(description="The material arrived.")
class ReceiveMaterialInput:
    received_on: date = strawberry.field(description="The day it arrived (not in the future).")
    actual_amount: Decimal | None = described("What it cost; default the approved amount.")


@strawberry.type(description="Result of a material line mutation.")
class MaterialLinePayload:
    material_line: MaterialLine | None = strawberry.field(default=None, description="The line.")
    errors: list[UserError] = strawberry.field(default_factory=list, description="What went wrong.")
