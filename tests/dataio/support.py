"""Helpers of the import tests: uploading a file as a document, starting an import, running the job."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from typing import Any

from gateway.jobs import run_jobs
from storage import use_blob_store
from tests.support import GraphQLClient, Member

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS = "errors { field code message }"
IMPORT_FIELDS = """
  id status dryRun objectType fileFormat processedRows totalRows created updated skipped failedRows undone
  failure duplicates columns { column field } createdBy { email }
  rowErrors(first: 500) { row phase field code message }
"""
UPLOAD = f"""
mutation Upload($input: UploadDocumentInput!) {{ uploadDocument(input: $input) {{ document {{ id }} {ERRORS} }} }}"""
START = f"""
mutation Start($input: StartImportInput!) {{ startImport(input: $input) {{ dataImport {{ {IMPORT_FIELDS} }} {ERRORS} }} }}"""
UNDO = f"mutation Undo($id: ID!) {{ undoImport(id: $id) {{ dataImport {{ {IMPORT_FIELDS} }} {ERRORS} }} }}"
SAVE_MAPPING = f"""
mutation Save($input: SaveImportMappingInput!) {{
  saveImportMapping(input: $input) {{ mapping {{ id name objectType columns {{ column field }} }} {ERRORS} }}
}}"""
IMPORT = f"query One($id: ID!) {{ dataImport(id: $id) {{ {IMPORT_FIELDS} }} }}"
NODE = "query Node($id: ID!) { node(id: $id) { id ... on DataImport { status } } }"
IMPORTS = "{ dataImports(first: 10) { totalCount nodes { id status } } }"
MAPPINGS = "{ importMappings { nodes { name objectType columns { column field } } } }"
ACCOUNTS = """
{ accounts(first: 100, orderBy: [{field: NAME, direction: ASC}]) {
  nodes { id name industry address { city } tags version owner { email } customFields } } }"""
CONTACTS = """
{ contacts(first: 100, orderBy: [{field: NAME, direction: ASC}]) {
  nodes { id firstName lastName emails phones notes version } } }"""


async def upload(
    client: GraphQLClient, member: Member, data: bytes, name: str = "rows.csv", content_type: str = CSV
) -> str:
    operations = {"query": UPLOAD, "variables": {"input": {"name": name, "file": None}}}
    response = await client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
        files={"0": (name, data, content_type)},
        headers={"authorization": f"Bearer {member.token}", "apollo-require-preflight": "true"},
    )
    payload = response.json()["data"]["uploadDocument"]
    assert payload["errors"] == [], payload
    return payload["document"]["id"]


def columns(**mapping: str) -> list[dict[str, str]]:
    return [{"column": column, "field": field} for column, field in mapping.items()]


async def start(client: GraphQLClient, member: Member, **input: Any) -> dict[str, Any]:
    return (await client.execute(START, {"input": input}, member.token))["startImport"]


async def run_imports(app: Any) -> list[Any]:
    use_blob_store(app.state.services.blobs)
    outcomes = await run_jobs(app.state.services.db, datetime.now(UTC), "imports.run")
    return [outcome for outcome in outcomes if outcome.failed]


async def import_state(client: GraphQLClient, member: Member, import_id: str) -> dict[str, Any]:
    return (await client.execute(IMPORT, {"id": import_id}, member.token))["dataImport"]


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
