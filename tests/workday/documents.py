"""GraphQL documents and helpers of the daily-work tests."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQLClient, Member, ok

ERRORS = "errors { field code message }"
ITEM_FIELDS = """id kind title startsAt endsAt allDay recurrence timeZone status purpose checkedInAt checkInLatitude
  checkInLongitude outcome version owner { id } account { id name }"""

CREATE_ITEM = f"""
mutation($input: CreateCalendarItemInput!) {{ createCalendarItem(input: $input) {{ item {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
UPDATE_ITEM = f"""
mutation($id: ID!, $version: Int!, $input: UpdateCalendarItemInput!) {{
  updateCalendarItem(id: $id, version: $version, input: $input) {{ item {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
CANCEL_ITEM = f"""
mutation($id: ID!, $version: Int!) {{ cancelCalendarItem(id: $id, version: $version) {{ item {{ id status version }} {ERRORS} }} }}"""
CHECK_IN = f"""
mutation($id: ID!, $version: Int!, $lat: Decimal!, $lng: Decimal!) {{
  checkInVisit(id: $id, version: $version, latitude: $lat, longitude: $lng) {{ item {{ {ITEM_FIELDS} }} {ERRORS} }} }}"""
OUTCOME = f"""
mutation($id: ID!, $version: Int!, $outcome: String!, $followUp: String, $due: DateTime) {{
  recordVisitOutcome(id: $id, version: $version, outcome: $outcome, followUp: $followUp, followUpDueAt: $due) {{
    item {{ {ITEM_FIELDS}
      visitActivity {{ kind subject body done account {{ id }} }}
      followUpActivity {{ kind subject dueAt done }} }}
    {ERRORS} }} }}"""
CALENDAR = """
query($from: DateTime!, $to: DateTime!, $userId: ID) {
  calendar(from: $from, to: $to, userId: $userId) {
    totalCount edges { node { startsAt endsAt item { id title } } } } }"""
ITEMS = """
query($filter: CalendarItemFilter) { calendarItems(filter: $filter) { totalCount edges { node { id title } } } }"""
EXPORT = "query($userId: ID) { calendarExport(userId: $userId) }"
NODE = "query($id: ID!) { node(id: $id) { ... on CalendarItem { id title } } }"


# The least a CreateCalendarItemInput needs (a one-hour call), for tests of refused inputs.
ITEM_INPUT = {
    "kind": "CALL",
    "title": "T",
    "startsAt": "2030-01-07T09:00:00Z",
    "endsAt": "2030-01-07T10:00:00Z",
}


async def create_item(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {**ITEM_INPUT, "kind": "MEETING", "title": "Weekly sync", **values}
    return (await ok(client, member, CREATE_ITEM, {"input": data}, "createCalendarItem"))["item"]


CLAIM_FIELDS = """id category amount currency incurredOn description status version submittedAt decidedAt
  claimant { id } account { id } projectId campaignId approvalRequest { id status currentStep }"""
CREATE_CLAIM = f"""
mutation($input: CreateExpenseClaimInput!) {{ createExpenseClaim(input: $input) {{ claim {{ {CLAIM_FIELDS} }} {ERRORS} }} }}"""
UPDATE_CLAIM = f"""
mutation($id: ID!, $version: Int!, $input: UpdateExpenseClaimInput!) {{
  updateExpenseClaim(id: $id, version: $version, input: $input) {{ claim {{ {CLAIM_FIELDS} }} {ERRORS} }} }}"""
SUBMIT_CLAIM = f"""
mutation($id: ID!, $version: Int!) {{ submitExpenseClaim(id: $id, version: $version) {{ claim {{ {CLAIM_FIELDS} }} {ERRORS} }} }}"""
CLAIM = "query($id: ID!) { node(id: $id) { ... on ExpenseClaim { id status version approvalRequest { id status } } } }"
CLAIMS = """
query($filter: ExpenseClaimFilter) { expenseClaims(filter: $filter) { totalCount edges { node { id status amount } } } }"""
TOTALS = """
query($projectId: ID, $accountId: ID) {
  expenseTotals(projectId: $projectId, accountId: $accountId) { totals { currency amount claims } } }"""


async def create_claim(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {"category": "TRAVEL", "amount": "120.50", "currency": "EUR", "incurredOn": "2026-11-02", **values}
    return (await ok(client, member, CREATE_CLAIM, {"input": data}, "createExpenseClaim"))["claim"]


REPORT_FIELDS = """id period startsOn endsOn summary plans status version author { id }
  activities { subject kind } visits { title } completedTaskCount comments { body author { id } }"""
CREATE_REPORT = f"""
mutation($input: CreateWorkReportInput!) {{ createWorkReport(input: $input) {{ report {{ {REPORT_FIELDS} }} {ERRORS} }} }}"""
UPDATE_REPORT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateWorkReportInput!) {{
  updateWorkReport(id: $id, version: $version, input: $input) {{ report {{ {REPORT_FIELDS} }} {ERRORS} }} }}"""
SUBMIT_REPORT = f"""
mutation($id: ID!, $version: Int!) {{ submitWorkReport(id: $id, version: $version) {{ report {{ {REPORT_FIELDS} }} {ERRORS} }} }}"""
COMMENT_REPORT = f"""
mutation($reportId: ID!, $body: String!) {{
  commentOnWorkReport(reportId: $reportId, body: $body) {{ report {{ {REPORT_FIELDS} }} {ERRORS} }} }}"""
REPORTS = f"""
query($filter: WorkReportFilter) {{ workReports(filter: $filter) {{ totalCount edges {{ node {{ {REPORT_FIELDS} }} }} }} }}"""
