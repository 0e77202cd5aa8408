"""DataLoaders of the daily-work area (per request, on the request's session, inside record scope)."""

from __future__ import annotations

from graph.core.loaders import by_id
from graph.workday.calendar import calendar_scope
from graph.workday.expenses import expense_scope
from graph.workday.models import CALENDAR_ITEM, EXPENSE_CLAIM, CalendarItem, ExpenseClaim

calendar_items_by_id = by_id(CalendarItem, CALENDAR_ITEM, calendar_scope)
expense_claims_by_id = by_id(ExpenseClaim, EXPENSE_CLAIM, expense_scope)
