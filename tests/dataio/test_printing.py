"""Printing quotes and contracts to A4 PDFs: read back by extracting the text and rendering a page."""

from __future__ import annotations

import re
from io import BytesIO

import pypdfium2
from pdfminer.high_level import extract_text

from tests.sales.commerce.documents import sent_quote, signed_contract

ERRORS = "errors { field code message }"
PRINT_QUOTE = f"mutation P($id: ID!) {{ printQuote(id: $id) {{ document {{ id name currentVersion links {{ targetType }} }} {ERRORS} }} }}"
PRINT_CONTRACT = (
    f"mutation P($id: ID!) {{ printContract(id: $id) {{ document {{ id name currentVersion }} {ERRORS} }} }}"
)
SET_TEMPLATE = f"""
mutation T($input: SetPrintTemplateInput!) {{ setPrintTemplate(input: $input) {{ template {{ title signatures chineseAmounts }} {ERRORS} }} }}"""
TEMPLATE = "query T($kind: String!) { printTemplate(kind: $kind) { title signatures chineseAmounts } }"
DOWNLOAD = "query D($id: ID!) { downloadUrl(documentId: $id) { url } }"


async def pdf_of(client, member, document_id: str) -> bytes:
    link = (await client.execute(DOWNLOAD, {"id": document_id}, member.token))["downloadUrl"]
    response = await client.http.get(link["url"])
    assert response.status_code == 200
    return response.content


def assert_cjk_font_embedded(data: bytes, chinese: str = "大写金额") -> None:
    """The Chinese font travels in the file, as a subset (a 6-letter tag before its name), and pdfium
    draws its glyphs from it."""
    assert b"/FontFile2" in data  # embedded TrueType outlines
    assert re.search(rb"/BaseFont /[A-Z]{6}\+WenQuanYiMicroHei", data)
    assert b"STSong-Light" not in data
    document = pypdfium2.PdfDocument(data)
    page = document[0]
    text_page = page.get_textpage()
    found = text_page.search(chinese).get_next()
    assert found is not None
    left, bottom, right, top = text_page.get_charbox(found[0])
    scale = 4
    image = page.render(scale=scale).to_pil().convert("L")
    height = page.get_height()
    box = image.crop((int(left * scale), int((height - top) * scale), int(right * scale) + 1,
                      int((height - bottom) * scale) + 1))
    assert box.getextrema()[0] < 100  # the glyph 大 itself is drawn, not an empty box


async def test_a_quote_prints_on_a4_with_the_tenants_template_and_amounts_in_words(client, app):
    admin = await client.sign_up("Acme Trading")
    assert (await client.execute(TEMPLATE, {"kind": "quote"}, admin.token))["printTemplate"][
        "title"
    ] == "Quotation"
    template = {
        "kind": "quote",
        "title": "报价单 Quote",
        "footer": "Acme Trading Ltd, Shanghai",
        "signatures": ["Approved by 审批"],
        "chineseAmounts": True,
    }
    saved = (await client.execute(SET_TEMPLATE, {"input": template}, admin.token))["setPrintTemplate"]
    assert saved["errors"] == []
    quote = await sent_quote(client, admin)
    printed = (await client.execute(PRINT_QUOTE, {"id": quote["id"]}, admin.token))["printQuote"]
    assert printed["errors"] == [], printed
    document = printed["document"]
    assert document["name"] == f"{quote['number']}.pdf" and document["links"] == [{"targetType": "quote"}]
    data = await pdf_of(client, admin, document["id"])
    assert data.startswith(b"%PDF")
    text = " ".join(extract_text(BytesIO(data)).split())
    # 2 x 100 EUR, 20 % tax: 240.00 EUR.
    assert f"报价单 Quote {quote['number']}" in text
    assert "Customer Co" in text and "Widget" in text and "€240.00" in text  # en-US: the tenant's locale
    assert "In words: Two hundred forty and 00/100 euros" in text
    assert "大写金额: 贰佰肆拾元整 (EUR)" in text
    assert "Approved by 审批" in text and "Acme Trading Ltd, Shanghai | " + quote["number"] + " | 1" in text
    assert_cjk_font_embedded(data)
    page = pypdfium2.PdfDocument(data)[0]
    assert tuple(round(side) for side in page.get_size()) == (595, 842)  # A4 in points
    image = page.render(scale=1).to_pil().convert("L")
    assert image.size == (596, 842) and image.getextrema()[0] < 128  # something dark was drawn
    again = (await client.execute(PRINT_QUOTE, {"id": quote["id"]}, admin.token))["printQuote"]["document"]
    assert (again["id"], again["currentVersion"]) == (document["id"], 2)


async def test_a_contract_prints_with_its_signature_blocks(client, app):
    admin = await client.sign_up()
    contract = await signed_contract(client, admin)
    printed = (await client.execute(PRINT_CONTRACT, {"id": contract["id"]}, admin.token))["printContract"]
    assert printed["errors"] == [], printed
    text = " ".join(extract_text(BytesIO(await pdf_of(client, admin, printed["document"]["id"]))).split())
    assert f"Contract {contract['number']}" in text
    assert "Seller" in text and "Buyer" in text
    assert "In words: Two hundred forty and 00/100 euros" in text and "大写" not in text


async def test_printing_is_refused_outside_scope_and_bad_templates(client, app):
    admin = await client.sign_up()
    other = await client.sign_up("Other")
    sales = await client.add_member(admin, "sales")
    quote = await sent_quote(client, admin)
    refused = (await client.execute(PRINT_QUOTE, {"id": quote["id"]}, other.token))["printQuote"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "NOT_FOUND")]
    refused = (await client.execute(PRINT_QUOTE, {"id": quote["id"]}, sales.token))["printQuote"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "NOT_FOUND")]
    bad = {"kind": "invoice", "title": "x"}
    assert [
        (e["field"], e["code"])
        for e in (await client.execute(SET_TEMPLATE, {"input": bad}, admin.token))["setPrintTemplate"][
            "errors"
        ]
    ] == [("kind", "INVALID")]
    bad = {"kind": "quote", "title": "x", "signatures": ["a", "b", "c", "d", "e"]}
    assert [
        (e["field"], e["code"])
        for e in (await client.execute(SET_TEMPLATE, {"input": bad}, admin.token))["setPrintTemplate"][
            "errors"
        ]
    ] == [("signatures", "INVALID")]
    assert await client.refused(
        SET_TEMPLATE, {"input": {"kind": "quote", "title": "x"}}, sales.token, "setPrintTemplate"
    ) == [(None, "PERMISSION_DENIED")]
    # Another tenant's template is its own.
    await client.execute(SET_TEMPLATE, {"input": {"kind": "quote", "title": "Mine"}}, admin.token)
    assert (await client.execute(TEMPLATE, {"kind": "quote"}, other.token))["printTemplate"][
        "title"
    ] == "Quotation"


SET_LIMITS = "mutation L($input: SetDocumentLimitsInput!) { setDocumentLimits(input: $input) { errors { field code } } }"


async def test_printing_obeys_the_document_rules(client, app):
    admin = await client.sign_up()
    quote = await sent_quote(client, admin)
    limited = (await client.execute(SET_LIMITS, {"input": {"quotaBytes": 1000}}, admin.token))[
        "setDocumentLimits"
    ]
    assert limited["errors"] == []
    refused = (await client.execute(PRINT_QUOTE, {"id": quote["id"]}, admin.token))["printQuote"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "QUOTA_EXCEEDED")]
    types = {"quotaBytes": 10_000_000, "allowedContentTypes": ["image/png"]}
    assert (await client.execute(SET_LIMITS, {"input": types}, admin.token))["setDocumentLimits"][
        "errors"
    ] == []
    refused = (await client.execute(PRINT_QUOTE, {"id": quote["id"]}, admin.token))["printQuote"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [("id", "CONTENT_TYPE_NOT_ALLOWED")]


async def test_amounts_follow_the_tenants_locale(client, app):
    admin = await client.sign_up("Muster GmbH", locale="de-DE")
    quote = await sent_quote(client, admin)
    printed = (await client.execute(PRINT_QUOTE, {"id": quote["id"]}, admin.token))["printQuote"]
    text = " ".join(extract_text(BytesIO(await pdf_of(client, admin, printed["document"]["id"]))).split())
    assert "240,00 €" in text and "100,00 €" in text
