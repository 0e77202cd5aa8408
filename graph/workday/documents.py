"""Receipts: documents may be linked to expense claims (the claimant's scope decides who may)."""

from __future__ import annotations

from graph.documents.targets import register_link_target
from graph.workday.expenses import expense_scope
from graph.workday.models import EXPENSE_CLAIM, ExpenseClaim

register_link_target(EXPENSE_CLAIM, "ExpenseClaim", ExpenseClaim, expense_scope)
