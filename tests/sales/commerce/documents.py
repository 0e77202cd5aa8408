"""GraphQL documents and small factories shared by the commerce tests."""

from __future__ import annotations

from typing import Any

from tests.crm.documents import create_account
from tests.support import GraphQLClient, Member, error_pairs, ok  # noqa: F401 - shared helpers, re-exported for the area's tests

ERRORS = "errors { field code message }"
PRODUCT_FIELDS = """
  id sku name unit listPrice currency taxRate active version
  productLine { id name }
  volumeTiers { minQuantity percent }
"""
LINE_FIELDS = """
  id position description unit quantity unitPrice priceGiven discountPercent promotionPercent volumePercent
  customerTypePercent cashPercent taxRate grossAmount discountAmount netAmount taxAmount totalAmount
  product { id sku }
"""
QUOTE_FIELDS = f"""
  id number revision status currency customerType quoteDate validUntil cashDiscountPercent terms
  grossTotal discountTotal netTotal taxTotal total opportunityId version
  account {{ id name }} owner {{ id }} previousRevision {{ id status }}
  lines {{ {LINE_FIELDS} }}
"""
CONTRACT_FIELDS = """
  id number status currency netTotal taxTotal amount paidAmount outstandingAmount overdueAmount
  terms startDate endDate completedAt version
  account { id } owner { id } signatory { id } quote { id status }
  lines { id description quantity deliveredQuantity totalAmount product { sku } }
  installments { dueDate amount }
  payments { id receivedOn amount method reference recordedBy { id } }
  deliveries { id quantity status version contractLineId }
"""

CREATE_PRODUCT_LINE = f"""
mutation($input: CreateProductLineInput!) {{
  createProductLine(input: $input) {{ productLine {{ id name version }} {ERRORS} }} }}"""
UPDATE_PRODUCT_LINE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateProductLineInput!) {{
  updateProductLine(id: $id, version: $version, input: $input) {{ productLine {{ id name description version }} {ERRORS} }} }}"""
UPDATE_PRICE_LIST = f"""
mutation($id: ID!, $version: Int!, $input: UpdatePriceListInput!) {{
  updatePriceList(id: $id, version: $version, input: $input) {{
    priceList {{ id name currency customerType validFrom validUntil active version }} {ERRORS} }} }}"""
CREATE_PRODUCT = f"""
mutation($input: CreateProductInput!) {{
  createProduct(input: $input) {{ product {{ {PRODUCT_FIELDS} }} {ERRORS} }} }}"""
UPDATE_PRODUCT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateProductInput!) {{
  updateProduct(id: $id, version: $version, input: $input) {{ product {{ {PRODUCT_FIELDS} }} {ERRORS} }} }}"""
PRODUCTS = """
query($filter: ProductFilter, $first: Int, $after: String) {
  products(filter: $filter, first: $first, after: $after) {
    totalCount edges { node { id sku name active } } pageInfo { hasNextPage endCursor } } }"""
CREATE_PRICE_LIST = f"""
mutation($input: CreatePriceListInput!) {{
  createPriceList(input: $input) {{ priceList {{ id name currency customerType validFrom validUntil version }} {ERRORS} }} }}"""
SET_PRICES = f"""
mutation($id: ID!, $version: Int!, $prices: [PriceInput!]!) {{
  setPriceListPrices(id: $id, version: $version, prices: $prices) {{
    priceList {{ id version prices {{ unitPrice product {{ sku }} }} }} {ERRORS} }} }}"""
CREATE_PROMOTION = f"""
mutation($input: CreatePromotionInput!) {{
  createPromotion(input: $input) {{ promotion {{ id name percent version product {{ id }} productLine {{ id }} }} {ERRORS} }} }}"""
UPDATE_PROMOTION = f"""
mutation($id: ID!, $version: Int!, $input: UpdatePromotionInput!) {{
  updatePromotion(id: $id, version: $version, input: $input) {{ promotion {{ id percent active version }} {ERRORS} }} }}"""
SET_TIERS = f"""
mutation($productId: ID, $productLineId: ID, $tiers: [VolumeTierInput!]!) {{
  setVolumeTiers(productId: $productId, productLineId: $productLineId, tiers: $tiers) {{
    tiers {{ minQuantity percent }} {ERRORS} }} }}"""
SET_CUSTOMER_DISCOUNT = f"""
mutation($customerType: String!, $percent: Decimal) {{
  setCustomerTypeDiscount(customerType: $customerType, percent: $percent) {{
    discount {{ customerType percent }} {ERRORS} }} }}"""

CREATE_QUOTE = f"""
mutation($input: CreateQuoteInput!) {{ createQuote(input: $input) {{ quote {{ {QUOTE_FIELDS} }} {ERRORS} }} }}"""
UPDATE_QUOTE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateQuoteInput!) {{
  updateQuote(id: $id, version: $version, input: $input) {{ quote {{ {QUOTE_FIELDS} }} {ERRORS} }} }}"""
ADD_LINE = f"""
mutation($quoteId: ID!, $version: Int!, $input: QuoteLineInput!) {{
  addQuoteLine(quoteId: $quoteId, version: $version, input: $input) {{ quote {{ {QUOTE_FIELDS} }} {ERRORS} }} }}"""
UPDATE_LINE = f"""
mutation($id: ID!, $version: Int!, $input: UpdateQuoteLineInput!) {{
  updateQuoteLine(id: $id, version: $version, input: $input) {{ quote {{ {QUOTE_FIELDS} }} {ERRORS} }} }}"""
REMOVE_LINE = f"""
mutation($id: ID!, $version: Int!) {{
  removeQuoteLine(id: $id, version: $version) {{ quote {{ {QUOTE_FIELDS} }} {ERRORS} }} }}"""
SEND_QUOTE = f"""
mutation($id: ID!, $version: Int!) {{ sendQuote(id: $id, version: $version) {{ quote {{ {QUOTE_FIELDS} }} {ERRORS} }} }}"""
REJECT_QUOTE = f"""
mutation($id: ID!, $version: Int!) {{ rejectQuote(id: $id, version: $version, reason: "Too dear") {{
  quote {{ id status version }} {ERRORS} }} }}"""
REVISE_QUOTE = f"""
mutation($id: ID!, $version: Int!) {{ reviseQuote(id: $id, version: $version) {{ quote {{ {QUOTE_FIELDS} }} {ERRORS} }} }}"""
ACCEPT_QUOTE = f"""
mutation($id: ID!, $version: Int!, $input: AcceptQuoteInput) {{
  acceptQuote(id: $id, version: $version, input: $input) {{
    contract {{ {CONTRACT_FIELDS} }} quote {{ id status version }} {ERRORS} }} }}"""
QUOTE = f"query($id: ID!) {{ quote(id: $id) {{ {QUOTE_FIELDS} contract {{ id number }} }} }}"
QUOTES = """
query($filter: QuoteFilter, $first: Int) {
  quotes(filter: $filter, first: $first) { totalCount edges { node { id number revision status total } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id } }"

CONTRACT = f"query($id: ID!) {{ contract(id: $id) {{ {CONTRACT_FIELDS} }} }}"
CONTRACTS = """
query($filter: ContractFilter) { contracts(filter: $filter) { totalCount edges { node { id number status } } } }"""
UPDATE_CONTRACT = f"""
mutation($id: ID!, $version: Int!, $input: UpdateContractInput!) {{
  updateContract(id: $id, version: $version, input: $input) {{ contract {{ {CONTRACT_FIELDS} }} {ERRORS} }} }}"""
ACTIVATE_CONTRACT = f"""
mutation($id: ID!, $version: Int!) {{ activateContract(id: $id, version: $version) {{
  contract {{ id status version }} {ERRORS} }} }}"""
CANCEL_CONTRACT = f"""
mutation($id: ID!, $version: Int!) {{ cancelContract(id: $id, version: $version) {{
  contract {{ id status version }} {ERRORS} }} }}"""
SET_PLAN = f"""
mutation($id: ID!, $version: Int!, $installments: [InstallmentInput!]!) {{
  setPaymentPlan(id: $id, version: $version, installments: $installments) {{
    contract {{ {CONTRACT_FIELDS} }} {ERRORS} }} }}"""
RECORD_PAYMENT = f"""
mutation($input: RecordPaymentInput!) {{ recordPayment(input: $input) {{
  payment {{ id amount method receivedOn recordedBy {{ id }} }} contract {{ {CONTRACT_FIELDS} }} {ERRORS} }} }}"""
RECORD_DELIVERY = f"""
mutation($input: RecordDeliveryInput!) {{ recordDelivery(input: $input) {{
  delivery {{ id quantity status version }} contract {{ {CONTRACT_FIELDS} }} {ERRORS} }} }}"""
SET_DELIVERY_STATUS = f"""
mutation($id: ID!, $version: Int!, $status: DeliveryStatus!) {{
  setDeliveryStatus(id: $id, version: $version, status: $status) {{
    delivery {{ id status version }} contract {{ {CONTRACT_FIELDS} }} {ERRORS} }} }}"""
RECEIVABLES = """
query($asOf: Date!) { receivables(asOf: $asOf) {
  asOf currency
  customers { contractCount account { id name }
    aging { current days1To30 days31To60 days61To90 daysOver90 total } }
  totals { current days1To30 days31To60 days61To90 daysOver90 total } } }"""


async def create_product(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    data = {
        "sku": "SKU-1",
        "name": "Widget",
        "unit": "piece",
        "listPrice": "100",
        "currency": "EUR",
        **values,
    }
    return (await ok(client, member, CREATE_PRODUCT, {"input": data}, "createProduct"))["product"]


async def create_quote(
    client: GraphQLClient, member: Member, account_id: str, **values: Any
) -> dict[str, Any]:
    data = {"accountId": account_id, "currency": "EUR", **values}
    return (await ok(client, member, CREATE_QUOTE, {"input": data}, "createQuote"))["quote"]


async def sent_quote(client: GraphQLClient, member: Member, **values: Any) -> dict[str, Any]:
    """An account, a product at 100 EUR with 20 % tax, and a sent quote for 2 of it."""
    account = await create_account(client, member, name="Customer Co")
    product = await create_product(client, member, taxRate="20", **values)
    quote = await create_quote(
        client, member, account["id"], lines=[{"productId": product["id"], "quantity": "2"}]
    )
    sent = await ok(client, member, SEND_QUOTE, {"id": quote["id"], "version": quote["version"]}, "sendQuote")
    return sent["quote"]


async def contract_from_quote(client: GraphQLClient, member: Member, **accept: Any) -> dict[str, Any]:
    quote = await sent_quote(client, member)
    payload = await ok(
        client,
        member,
        ACCEPT_QUOTE,
        {"id": quote["id"], "version": quote["version"], "input": accept},
        "acceptQuote",
    )
    return payload["contract"]


async def activated(client: GraphQLClient, member: Member, contract: dict[str, Any]) -> dict[str, Any]:
    """Activates a draft contract (signed: it takes payments now); returns id, status and version."""
    variables = {"id": contract["id"], "version": contract["version"]}
    return (await ok(client, member, ACTIVATE_CONTRACT, variables, "activateContract"))["contract"]


async def signed_contract(client: GraphQLClient, member: Member, **accept: Any) -> dict[str, Any]:
    """`contract_from_quote`, activated, with every contract field."""
    contract = await activated(client, member, await contract_from_quote(client, member, **accept))
    return (await client.execute(CONTRACT, {"id": contract["id"]}, member.token))["contract"]
