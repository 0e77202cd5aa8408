"""GraphQL documents and factories shared by the sales order tests (issue 15)."""

from __future__ import annotations

import uuid
from typing import Any

from tests.crm.documents import create_account
from tests.sales.commerce.documents import SEND_QUOTE, create_product, create_quote
from tests.support import GraphQLClient, Member, ok

ERRORS = "errors { field code message }"
ORDER_LINE_FIELDS = """
  id position description unit quantity unitPrice discountPercent promotionPercent volumePercent
  customerTypePercent cashPercent taxRate grossAmount discountAmount netAmount taxAmount totalAmount
  deliveredQuantity returnedQuantity product { id sku }
"""
ORDER_FIELDS = f"""
  id number status currency orderDate cashDiscountPercent grossTotal discountTotal netTotal taxTotal total
  paidAmount returnedAmount outstandingAmount notes version confirmedAt closedAt cancelledAt
  account {{ id name }} owner {{ id }} quote {{ id status }}
  lines {{ {ORDER_LINE_FIELDS} }}
  deliveries {{ id quantity deliveredOn orderLineId }}
  payments {{ id amount receivedOn method }}
"""
CREATE_ORDER = f"""
mutation($input: CreateSalesOrderInput!) {{
  createSalesOrder(input: $input) {{ salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
ORDER_FROM_QUOTE = f"""
mutation($quoteId: ID!, $version: Int!, $input: CreateSalesOrderFromQuoteInput) {{
  createSalesOrderFromQuote(quoteId: $quoteId, version: $version, input: $input) {{
    salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
UPDATE_ORDER = f"""
mutation($id: ID!, $version: Int!, $input: UpdateSalesOrderInput!) {{
  updateSalesOrder(id: $id, version: $version, input: $input) {{ salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
CONFIRM_ORDER = f"""
mutation($id: ID!, $version: Int!) {{
  confirmSalesOrder(id: $id, version: $version) {{ salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
CLOSE_ORDER = f"""
mutation($id: ID!, $version: Int!) {{
  closeSalesOrder(id: $id, version: $version) {{ salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
CANCEL_ORDER = f"""
mutation($id: ID!, $version: Int!) {{
  cancelSalesOrder(id: $id, version: $version) {{ salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
DELIVER = f"""
mutation($input: RecordSalesOrderDeliveryInput!) {{
  recordSalesOrderDelivery(input: $input) {{
    delivery {{ id quantity orderLineId }} salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
PAY = f"""
mutation($input: RecordSalesOrderPaymentInput!) {{
  recordSalesOrderPayment(input: $input) {{
    payment {{ id amount }} salesOrder {{ {ORDER_FIELDS} }} {ERRORS} }} }}"""
ORDER = f"query($id: ID!) {{ salesOrder(id: $id) {{ {ORDER_FIELDS} }} }}"
ORDERS = """
query($filter: SalesOrderFilter, $first: Int, $after: String, $orderBy: [CommerceOrder!]) {
  salesOrders(filter: $filter, first: $first, after: $after, orderBy: $orderBy) {
    totalCount nodes { id number status total currency notes owner { id } account { id name } }
    pageInfo { hasNextPage endCursor } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def sent_quote_with_discount(
    client: GraphQLClient, member: Member, discount: str = "15", **product: Any
) -> dict[str, Any]:
    """An account, a product at 100 EUR with 20 % tax, and a sent quote for 2 of it at `discount` % off:
    gross 200.00, net 170.00, tax 34.00, total 204.00 with 15 % off."""
    account = await create_account(client, member, name="Customer Co")
    product.setdefault("sku", f"SKU-{uuid.uuid4().hex[:8]}")
    created = await create_product(client, member, taxRate="20", **product)
    quote = await create_quote(
        client,
        member,
        account["id"],
        lines=[{"productId": created["id"], "quantity": "2", "discountPercent": discount}],
    )
    sent = await ok(client, member, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
    return sent["quote"]


async def order_from_quote(client: GraphQLClient, member: Member, **input: Any) -> dict[str, Any]:
    quote = await sent_quote_with_discount(client, member)
    variables = {"quoteId": quote["id"], "version": quote["version"], "input": input}
    return (await ok(client, member, ORDER_FROM_QUOTE, variables, "createSalesOrderFromQuote"))["salesOrder"]


async def confirmed_order(client: GraphQLClient, member: Member) -> dict[str, Any]:
    order = await order_from_quote(client, member)
    variables = {"id": order["id"], "version": order["version"]}
    return (await ok(client, member, CONFIRM_ORDER, variables, "confirmSalesOrder"))["salesOrder"]


INVOICE_FIELDS = """
  id number kind status currency amount taxAmount netAmount buyerName buyerTaxId invoiceNumber invoiceDate
  sentAt reversedAt reversalReason version salesOrder { id } contract { id } account { id } requestedBy { id }
"""
REQUEST_INVOICE = f"""
mutation($input: RequestInvoiceInput!) {{
  requestInvoice(input: $input) {{ invoice {{ {INVOICE_FIELDS} }} {ERRORS} }} }}"""
ISSUE_INVOICE = f"""
mutation($id: ID!, $version: Int!, $input: IssueInvoiceInput!) {{
  issueInvoice(id: $id, version: $version, input: $input) {{ invoice {{ {INVOICE_FIELDS} }} {ERRORS} }} }}"""
SEND_INVOICE = f"""
mutation($id: ID!, $version: Int!) {{
  sendInvoice(id: $id, version: $version) {{ invoice {{ {INVOICE_FIELDS} }} {ERRORS} }} }}"""
REVERSE_INVOICE = f"""
mutation($id: ID!, $version: Int!, $reason: String) {{
  reverseInvoice(id: $id, version: $version, reason: $reason) {{ invoice {{ {INVOICE_FIELDS} }} {ERRORS} }} }}"""
INVOICES = f"""
query($filter: InvoiceFilter) {{
  invoices(filter: $filter) {{ totalCount nodes {{ {INVOICE_FIELDS} }} }} }}"""
INVOICE_RECEIVABLES = """
query($accountId: ID) {
  invoiceReceivables(accountId: $accountId) {
    customers { account { id name } currency ordered invoiced paid uninvoiced invoicedUnpaid } } }"""


async def request_invoice(client: GraphQLClient, member: Member, **input: Any) -> dict[str, Any]:
    data = {"kind": "VAT_SPECIAL", **input}
    return (await ok(client, member, REQUEST_INVOICE, {"input": data}, "requestInvoice"))["invoice"]


async def issued_invoice(client: GraphQLClient, member: Member, number: str, **input: Any) -> dict[str, Any]:
    invoice = await request_invoice(client, member, **input)
    variables = {"id": invoice["id"], "version": invoice["version"], "input": {"invoiceNumber": number}}
    return (await ok(client, member, ISSUE_INVOICE, variables, "issueInvoice"))["invoice"]


RETURN_FIELDS = """
  id number reason resolution currency netAmount taxAmount totalAmount refundedAmount notes returnedOn
  lines { orderLineId quantity netAmount taxAmount totalAmount } salesOrder { id } createdBy { id }
"""
CREATE_RETURN = f"""
mutation($input: CreateSalesReturnInput!) {{
  createSalesReturn(input: $input) {{
    salesReturn {{ {RETURN_FIELDS} }} salesOrder {{ {ORDER_FIELDS} returns {{ id number }} }} {ERRORS} }} }}"""
CUSTOMER_SALES = """
query($accountId: ID!) {
  customerSales(accountId: $accountId) {
    orderCount returnCount invoiceCount
    balances { currency ordered returned invoiced paid refunded uninvoiced invoicedUnpaid } } }"""


async def deliver_all(
    client: GraphQLClient, member: Member, order: dict[str, Any], on: str
) -> dict[str, Any]:
    """Delivers every line of a confirmed order in full; returns the order after it."""
    for line in order["lines"]:
        variables = {"input": {"orderLineId": line["id"], "quantity": line["quantity"], "deliveredOn": on}}
        order = (await ok(client, member, DELIVER, variables, "recordSalesOrderDelivery"))["salesOrder"]
    return order


async def create_return(
    client: GraphQLClient, member: Member, order: dict[str, Any], quantities: list[str], **input: Any
) -> dict[str, Any]:
    """Returns `quantities[i]` of line i (empty string: not that line); the payload."""
    lines = [
        {"orderLineId": line["id"], "quantity": quantity}
        for line, quantity in zip(order["lines"], quantities, strict=False)
        if quantity
    ]
    data = {"orderId": order["id"], "reason": "defective", "lines": lines, **input}
    return await ok(client, member, CREATE_RETURN, {"input": data}, "createSalesReturn")


TARGET_FIELDS = """
  id level teamId period startsOn endsOn metric goal currency version achieved achievementPercent
  missingRates { fromCurrency toCurrency neededFrom } user { id }
  planItems { id title dueDate status checkNote followUp version owner { id } }
"""
CREATE_TARGET = f"""
mutation($input: CreateSalesTargetInput!) {{
  createSalesTarget(input: $input) {{ target {{ {TARGET_FIELDS} }} {ERRORS} }} }}"""
UPDATE_TARGET = f"""
mutation($id: ID!, $version: Int!, $goal: Decimal!) {{
  updateSalesTarget(id: $id, version: $version, goal: $goal) {{ target {{ {TARGET_FIELDS} }} {ERRORS} }} }}"""
TARGET = f"query($id: ID!) {{ salesTarget(id: $id) {{ {TARGET_FIELDS} }} }}"
TARGETS = f"""
query($filter: SalesTargetFilter) {{ salesTargets(filter: $filter) {{ totalCount nodes {{ {TARGET_FIELDS} }} }} }}"""
ADD_PLAN_ITEM = f"""
mutation($targetId: ID!, $input: SalesPlanItemInput!) {{
  addSalesPlanItem(targetId: $targetId, input: $input) {{
    item {{ id title dueDate status checkNote followUp version owner {{ id }} }} {ERRORS} }} }}"""
UPDATE_PLAN_ITEM = f"""
mutation($id: ID!, $version: Int!, $input: UpdateSalesPlanItemInput!) {{
  updateSalesPlanItem(id: $id, version: $version, input: $input) {{
    item {{ id title dueDate status checkNote followUp version owner {{ id }} }} {ERRORS} }} }}"""


def month_start() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).date().replace(day=1).isoformat()


async def create_target(client: GraphQLClient, member: Member, **input: Any) -> dict[str, Any]:
    data = {"level": "TENANT", "period": "MONTH", "startsOn": month_start(), "metric": "AMOUNT_WON", **input}
    return (await ok(client, member, CREATE_TARGET, {"input": data}, "createSalesTarget"))["target"]


async def assert_sql_wall(db: Any, a: Member, b: Member, tables: list[str]) -> None:
    """As the application role: A's rows of each table exist for A, are invisible and untouchable from
    B, invisible without a tenant, and B cannot insert a row into A's tenant."""
    import asyncpg
    import pytest

    connection = await db.connect()
    tenant_a = uuid.UUID(a.tenant_id)

    async def in_tenant(tenant_id: str) -> None:
        await connection.execute("select set_config('app.tenant_id', $1, true)", tenant_id)

    async with connection.transaction():
        await in_tenant(a.tenant_id)
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") >= 1, table
    async with connection.transaction():
        await in_tenant(b.tenant_id)
        for table in tables:
            assert (
                await connection.fetchval(f"select count(*) from {table} where tenant_id = $1", tenant_a) == 0
            )
    async with connection.transaction():
        for table in tables:
            assert await connection.fetchval(f"select count(*) from {table}") == 0, table
    for table in tables:
        for statement in (f"update {table} set tenant_id = tenant_id", f"delete from {table}"):
            async with connection.transaction():
                await in_tenant(b.tenant_id)
                try:
                    status = await connection.execute(statement)
                except asyncpg.InsufficientPrivilegeError:
                    continue  # append-only tables refuse it outright
                assert status in ("UPDATE 0", "DELETE 0"), (table, status)
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            async with connection.transaction():
                await in_tenant(b.tenant_id)
                await connection.execute(f"insert into {table} (tenant_id) values ($1)", tenant_a)


SET_APPROVAL_SETTINGS = f"""
mutation($input: SalesApprovalSettingsInput!) {{
  setSalesApprovalSettings(input: $input) {{
    settings {{ quoteDiscountPercent contractAmount orderCancellation refundAmount currency }} {ERRORS} }} }}"""
REQUEST_APPROVAL = f"""
mutation($subject: SalesApprovalSubject!, $id: ID!) {{
  requestSalesApproval(subject: $subject, id: $id) {{
    approvalRequest {{ id status title subjectType subjectId currentStep }} {ERRORS} }} }}"""


async def approval_chain(client: GraphQLClient, admin: Member, subject: str, approver: Member) -> None:
    from tests.projects.documents import DEFINE_CHAIN

    step = {"name": "Sales manager", "rule": "ANY", "userIds": [approver.user_id]}
    variables = {"input": {"name": f"{subject} approval", "subjectType": subject, "steps": [step]}}
    await ok(client, admin, DEFINE_CHAIN, variables, "defineApprovalChain")


async def approved(
    client: GraphQLClient, requester: Member, approver: Member, subject: str, record_id: str
) -> None:
    """Asks for an approval of `record_id` as `requester` and has `approver` approve it."""
    from tests.projects.documents import DECIDE

    variables = {"subject": subject, "id": record_id}
    request = (await ok(client, requester, REQUEST_APPROVAL, variables, "requestSalesApproval"))[
        "approvalRequest"
    ]
    decision = {"requestId": request["id"], "decision": "APPROVE"}
    assert (await ok(client, approver, DECIDE, decision, "decideApproval"))["request"]["status"] == "APPROVED"
