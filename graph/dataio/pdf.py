"""A4 PDFs of quotes and contracts with reportlab (pure Python; WeasyPrint needs system libraries).

Text is set in WenQuanYi Micro Hei (文泉驿微米黑, Apache-2.0), which covers Chinese and Latin and is
embedded as a subset (only the glyphs a document uses, about 20 KB for a one-page quote), so any reader
shows it without an Asian font pack. reportlab embeds TrueType outlines only: the Noto/Source Han CJK
fonts on PyPI ship CFF outlines (OTF), the npm ones WOFF2, and WenQuanYi Micro Hei is TrueType. The TTC
comes from the PyPI package `paperang-p2-fonts-cjk` (a font-only package; the dependency is the file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT = "WenQuanYiMicroHei"
FONT_FILE = resources.files("paperang_p2_fonts_cjk") / "fonts" / "wqy-microhei.ttc"
with resources.as_file(FONT_FILE) as font_path:
    # subfontIndex 0: Micro Hei (1 is its monospaced sibling). reportlab subsets TrueType fonts itself.
    pdfmetrics.registerFont(TTFont(FONT, str(font_path), subfontIndex=0))
BODY = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10, textColor=colors.grey)
TITLE = ParagraphStyle("title", parent=BODY, fontSize=18, leading=24, spaceAfter=4)


@dataclass
class PrintedDocument:
    title: str
    number: str
    issuer: str
    header: str | None
    footer: str | None
    facts: list[tuple[str, str]]  # (label, value) under the title: customer, dates, status
    lines: list[tuple[str, str, str, str, str]]  # description, quantity, unit, unit price, amount
    totals: list[tuple[str, str]]
    amount_in_words: list[str] = field(default_factory=list)
    signatures: list[str] = field(default_factory=list)
    terms: str | None = None
    # The line table's column headings, in the reader's language.
    headings: tuple[str, ...] = ("#", "Description", "Qty", "Unit", "Unit price", "Amount")
    date_label: str = "Date"


def text(value: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(escape(value).replace("\n", "<br/>"), style)


def line_table(document: PrintedDocument) -> Table:
    rows = [[text(h) for h in document.headings]]
    for index, cells in enumerate(document.lines, start=1):
        rows.append([text(str(index)), *(text(cell) for cell in cells)])
    lines = Table(rows, colWidths=[8 * mm, 72 * mm, 18 * mm, 16 * mm, 28 * mm, 32 * mm], repeatRows=1)
    lines.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.2, colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return lines


def render(document: PrintedDocument) -> bytes:
    out = BytesIO()

    def page_furniture(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(FONT, 8)
        if document.header:
            canvas.drawString(18 * mm, A4[1] - 12 * mm, document.header[:150])
        footer = f"{document.number} | {doc.page}"
        if document.footer:
            footer = f"{document.footer[:120]} | {footer}"
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, footer)
        canvas.restoreState()

    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=f"{document.title} {document.number}",
        author=document.issuer,
    )
    story: list = [text(document.issuer, SMALL), text(f"{document.title} {document.number}", TITLE)]
    story.append(
        Table([[text(label), text(value)] for label, value in document.facts], colWidths=[40 * mm, 130 * mm])
    )
    story.append(Spacer(1, 6 * mm))
    if document.headings:  # a work order has no lines
        story += [line_table(document), Spacer(1, 4 * mm)]
    if document.totals:
        story.append(
            Table(
                [[text(label), text(value)] for label, value in document.totals],
                colWidths=[138 * mm, 36 * mm],
            )
        )
    for words in document.amount_in_words:
        story.append(text(words))
    if document.terms:
        story += [Spacer(1, 4 * mm), text(document.terms, SMALL)]
    if document.signatures:
        story.append(Spacer(1, 14 * mm))
        cells = [
            text(f"{label}: ____________________  {document.date_label}: __________")
            for label in document.signatures
        ]
        story.append(Table([cells], colWidths=[174 * mm / len(cells)] * len(cells)))
    pdf.build(story, onFirstPage=page_furniture, onLaterPages=page_furniture)
    return out.getvalue()
