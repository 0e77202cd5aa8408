"""GraphQL documents and small factories shared by the service desk tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from graph.service import clock
from tests.support import GraphQLClient, Member, ok

ERRORS = "errors { field code message }"
TICKET_FIELDS = """
  id number subject description kind channel status priority category customerTier version
  firstRespondedAt responseDueAt resolutionDueAt slaPaused slaAtRisk slaBreached escalationLevel
  resolvedAt closedAt reopenCount createdAt
  assignee { id } account { id name } contact { id fullName } product { id sku } contract { id }
  mergedInto { id number } slaPolicy { id name }
"""
OPEN_TICKET = f"""
mutation($input: OpenTicketInput!) {{ openTicket(input: $input) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
UPDATE_TICKET = f"""
mutation($id: ID!, $version: Int!, $input: UpdateTicketInput!) {{
  updateTicket(id: $id, version: $version, input: $input) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
CHANGE_STATUS = f"""
mutation($id: ID!, $version: Int!, $status: TicketStatus!) {{
  changeTicketStatus(id: $id, version: $version, status: $status) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
REOPEN = f"""
mutation($id: ID!, $version: Int!) {{
  reopenTicket(id: $id, version: $version) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
ADD_MESSAGE = f"""
mutation($input: AddTicketMessageInput!) {{
  addTicketMessage(input: $input) {{ message {{ id visibility body author {{ id }} }} ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
MERGE = f"""
mutation($id: ID!, $version: Int!, $intoId: ID!) {{
  mergeTicket(id: $id, version: $version, intoId: $intoId) {{ ticket {{ {TICKET_FIELDS} }} {ERRORS} }} }}"""
TICKET = f"""
query($id: ID!) {{ ticket(id: $id) {{ {TICKET_FIELDS}
  messages {{ nodes {{ id visibility body }} }}
  history {{ nodes {{ kind data actor {{ id }} }} }} }} }}"""
TICKETS = """
query($filter: TicketFilter, $orderBy: [TicketOrder!], $first: Int, $after: String) {
  tickets(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount nodes { id number subject status priority } pageInfo { hasNextPage endCursor } } }"""
CREATE_POLICY = f"""
mutation($input: CreateSlaPolicyInput!) {{
  createSlaPolicy(input: $input) {{ slaPolicy {{ id name priority customerTier firstResponseMinutes
    resolutionMinutes atRiskPercent active version escalateTo {{ id }} }} {ERRORS} }} }}"""
UPDATE_POLICY = f"""
mutation($id: ID!, $version: Int!, $input: UpdateSlaPolicyInput!) {{
  updateSlaPolicy(id: $id, version: $version, input: $input) {{ slaPolicy {{ id active version }} {ERRORS} }} }}"""
UPDATE_SETTINGS = f"""
mutation($input: UpdateServiceSettingsInput!) {{
  updateServiceSettings(input: $input) {{ settings {{ utcOffsetMinutes reopenWindowDays
    week {{ weekday startMinute endMinute }} holidays {{ day name }} }} {ERRORS} }} }}"""
SET_HOLIDAY = f"""
mutation($input: SetServiceHolidayInput!) {{
  setServiceHoliday(input: $input) {{ settings {{ holidays {{ day name }} }} {ERRORS} }} }}"""
CREATE_ACCOUNT = f"""
mutation($input: CreateAccountInput!) {{ createAccount(input: $input) {{ account {{ id name }} {ERRORS} }} }}"""
CREATE_CONTACT = f"""
mutation($input: CreateContactInput!) {{ createContact(input: $input) {{ contact {{ id }} {ERRORS} }} }}"""


class Clock:
    """The service desk clock, set by a test (monkeypatched `graph.service.clock.now`)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, start: datetime) -> None:
        self.moment = start
        monkeypatch.setattr(clock, "now", lambda: self.moment)

    def set(self, moment: datetime) -> None:
        self.moment = moment


async def open_ticket(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {"subject": "Printer jams", "channel": "email", **values}
    return (await ok(client, member, OPEN_TICKET, {"input": data}, "openTicket"))["ticket"]


async def create_policy(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {
        "name": "Normal",
        "priority": "NORMAL",
        "firstResponseMinutes": 60,
        "resolutionMinutes": 480,
        **values,
    }
    return (await ok(client, member, CREATE_POLICY, {"input": data}, "createSlaPolicy"))["slaPolicy"]


async def tickets(client: GraphQLClient, member: Member, **filter: Any) -> list[dict[str, Any]]:
    data = await client.execute(TICKETS, {"filter": filter or None}, member.token)
    return data["tickets"]["nodes"]
