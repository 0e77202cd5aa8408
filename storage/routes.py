"""The gateway's own upload and download URLs for the local store (S3 serves its own).

- `GET /blobs/<token>` streams the object a signed download token names (short-lived, HMAC-signed);
- `POST /blobs/upload?token=<token>` takes the same multipart form a presigned S3 POST takes
  (`Content-Type` field, then the file) and enforces what S3's policy would: the key, the content type
  and the exact length named in the token, and the expiry.

Anything wrong is refused before a byte is stored; a foreign tenant cannot reach another tenant's
object because the key comes only from the signed token, and tokens cannot be forged or altered.
"""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from storage.base import BlobStore, ObjectTooLarge, StorageUnavailable
from storage.local import DOWNLOAD_PURPOSE, UPLOAD_PURPOSE, LocalBlobStore
from storage.s3 import content_disposition
from storage.signing import InvalidToken

# Room for the form's boundaries and headers around the file itself.
FORM_OVERHEAD = 16 * 1024


def refusal(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status)


def blob_routes(blobs: BlobStore) -> list[Route]:
    if not isinstance(blobs, LocalBlobStore):
        return []
    store = blobs

    async def download(request: Request) -> Response:
        try:
            claims = store.signer.verify(DOWNLOAD_PURPOSE, request.path_params["token"])
        except InvalidToken as error:
            return refusal(403, str(error))
        info = await store.head(claims["key"])
        if info is None:
            return refusal(404, "This file no longer exists.")
        return StreamingResponse(
            store.get(claims["key"]),
            media_type=claims["type"],
            headers={
                "Content-Length": str(info.size),
                "Content-Disposition": content_disposition(claims["name"]),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
            },
        )

    async def upload(request: Request) -> Response:
        try:
            claims = store.signer.verify(UPLOAD_PURPOSE, request.query_params.get("token", ""))
        except InvalidToken as error:
            return refusal(403, str(error))
        declared = request.headers.get("content-length")
        if declared is None or not declared.isdigit():
            return refusal(411, "Send a Content-Length.")
        if int(declared) > claims["size"] + FORM_OVERHEAD:
            return refusal(413, f"This upload URL takes exactly {claims['size']} bytes.")
        try:
            async with request.form(max_files=1, max_fields=5) as form:
                return await store_form(form, claims)
        except (MultiPartException, ClientDisconnect, ValueError) as error:
            return refusal(400, f"Malformed upload form: {error}")

    async def store_form(form, claims) -> Response:  # type: ignore[no-untyped-def]
        file = form.get("file")
        if not isinstance(file, UploadFile):
            return refusal(400, "Send the file in a form part named `file`.")
        if form.get("Content-Type") != claims["type"]:
            return refusal(403, f"This upload URL takes only {claims['type']} (the `Content-Type` field).")
        if file.size != claims["size"]:
            return refusal(400, f"This upload URL takes exactly {claims['size']} bytes, not {file.size}.")

        async def chunks():  # type: ignore[no-untyped-def]
            while chunk := await file.read(1024 * 1024):
                yield chunk

        try:
            await store.put(claims["key"], chunks(), claims["type"], max_size=claims["size"])
        except ObjectTooLarge:
            return refusal(400, f"This upload URL takes exactly {claims['size']} bytes.")
        except StorageUnavailable:
            return refusal(503, "The file store is not answering; try again.")
        return Response(status_code=204)

    return [
        Route("/blobs/upload", upload, methods=["POST"]),
        Route("/blobs/{token}", download, methods=["GET"]),
    ]
