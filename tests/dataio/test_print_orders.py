"""Printing sales orders, their delivery notes and service tickets as work orders: per-tenant templates,
the reader's language, stored as document versions linked to the record."""

from __future__ import annotations

from io import BytesIO

from pdfminer.high_level import extract_text

from tests.dataio.test_printing import SET_TEMPLATE, assert_cjk_font_embedded, pdf_of
from tests.sales.orders.documents import confirmed_order, deliver_all
from tests.service.documents import open_ticket

ERRORS = "errors { field code message }"
DOCUMENT = "document { id name currentVersion links { targetType } }"
PRINT_ORDER = f"mutation P($id: ID!) {{ printSalesOrder(id: $id) {{ {DOCUMENT} {ERRORS} }} }}"
PRINT_NOTE = f"mutation P($id: ID!) {{ printDeliveryNote(id: $id) {{ {DOCUMENT} {ERRORS} }} }}"
PRINT_WORK_ORDER = f"mutation P($id: ID!) {{ printWorkOrder(id: $id) {{ {DOCUMENT} {ERRORS} }} }}"


async def printed(client, member, document: str, record_id: str, language: str = "en") -> tuple[dict, str]:
    response = await client.post(document, {"id": record_id}, member.token, **{"accept-language": language})
    payload = next(iter(response.json()["data"].values()))
    assert payload["errors"] == [], payload
    data = await pdf_of(client, member, payload["document"]["id"])
    assert data.startswith(b"%PDF")
    return payload["document"], " ".join(extract_text(BytesIO(data)).split())


async def test_an_order_and_its_delivery_note_print_from_their_templates(client, app):
    admin = await client.sign_up("Acme Trading")
    order = await confirmed_order(client, admin)
    number = order["number"]

    document, text = await printed(client, admin, PRINT_ORDER, order["id"])
    assert document["name"] == f"{number}.pdf" and document["links"] == [{"targetType": "sales_order"}]
    assert f"Sales order {number}" in text and "Customer" in text and "Total" in text
    assert "In words:" in text and "Seller" in text

    template = {"kind": "delivery_note", "title": "送货单 Delivery note", "signatures": ["签收 Received"]}
    saved = (await client.execute(SET_TEMPLATE, {"input": template}, admin.token))["setPrintTemplate"]
    assert saved["errors"] == []
    await deliver_all(client, admin, order, "2030-05-04")
    note, text = await printed(client, admin, PRINT_NOTE, order["id"], "zh-CN")
    assert note["name"] == f"{number}-delivery-note.pdf" and note["id"] != document["id"]
    assert f"送货单 Delivery note {number}" in text and "签收 Received" in text
    assert "2030年5月4日" in text and "已送数量" in text and "未送数量" in text
    assert "€" not in text  # a delivery note carries no prices
    again, _ = await printed(client, admin, PRINT_NOTE, order["id"])
    assert (again["id"], again["currentVersion"]) == (note["id"], 2)


async def test_a_ticket_prints_as_a_work_order_in_the_readers_language(client, app):
    admin = await client.sign_up("Acme Service")
    ticket = await open_ticket(client, admin, subject="打印机卡纸", description="三楼的打印机每页都卡纸。")
    response = await client.post(
        PRINT_WORK_ORDER, {"id": ticket["id"]}, admin.token, **{"accept-language": "zh"}
    )
    payload = response.json()["data"]["printWorkOrder"]
    assert payload["errors"] == [] and payload["document"]["links"] == [{"targetType": "ticket"}]
    data = await pdf_of(client, admin, payload["document"]["id"])
    assert_cjk_font_embedded(data, "打印机卡纸")
    text = " ".join(extract_text(BytesIO(data)).split())
    assert "工单" in text and "打印机卡纸" in text and "三楼的打印机每页都卡纸。" in text
    assert "技术员" in text and "优先级" in text


async def test_printing_new_kinds_is_refused_outside_scope_and_across_tenants(client, app):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    order = await confirmed_order(client, admin)
    ticket = await open_ticket(client, admin)
    for document, record_id, name in (
        (PRINT_ORDER, order["id"], "printSalesOrder"),
        (PRINT_NOTE, order["id"], "printDeliveryNote"),
        (PRINT_WORK_ORDER, ticket["id"], "printWorkOrder"),
    ):
        body = (await client.post(document, {"id": record_id}, other.token)).json()
        assert body["data"][name]["errors"][0]["code"] == "NOT_FOUND", body
    wrong = (await client.post(PRINT_ORDER, {"id": ticket["id"]}, admin.token)).json()
    assert wrong["data"]["printSalesOrder"]["errors"][0]["code"] == "NOT_FOUND"  # a ticket is no order
    bad = {"kind": "invoice", "title": "Invoice"}
    assert (await client.execute(SET_TEMPLATE, {"input": bad}, admin.token))["setPrintTemplate"][
        "errors"
    ] == [
        {
            "field": "kind",
            "code": "INVALID",
            "message": "Templates exist for: quote, contract, sales_order, delivery_note, work_order.",
        }
    ]
