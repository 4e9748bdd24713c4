"""The codec server: the Temporal UI (and `temporal --codec-endpoint`) POST payloads to
/decode and /encode, so an authorised engineer sees clear text while the server's
database holds only ciphertext.

Access: `Authorization: Bearer <PATHWAY_CODEC_SERVER_TOKEN>`. The dev stack's UI has no
login to forward a token, so `pathway dev`, and nothing else, builds this app with
`dev_trust_ui_origin=True`: it then also answers browser requests that carry the UI's
`Origin` from a loopback address. An `Origin` header is no proof (any local process can
send one), so that trust exists only in the dev stack, which says so when it starts; no
setting or command line turns it on elsewhere. Production puts the UI behind single
sign-on that forwards the token.

Decoding is strict (`AesGcmCodec.open_all`): a payload that is not sealed with a
configured key is refused (422), never passed through as if it had been decrypted.
"""

from __future__ import annotations

import hmac

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from codec.aes import AesGcmCodec, CodecKeyError, CodecKeys


def create_codec_app(keys: CodecKeys, token: str | None, ui_origin: str, *, dev_trust_ui_origin: bool = False) -> FastAPI:
    if token is None and not dev_trust_ui_origin:
        raise ValueError("the codec server needs PATHWAY_CODEC_SERVER_TOKEN")
    codec = AesGcmCodec(keys)
    app = FastAPI(title="MS pathway codec server", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        CORSMiddleware, allow_origins=[ui_origin], allow_methods=["POST", "OPTIONS"],
        allow_headers=["authorization", "content-type", "x-namespace"], allow_credentials=True,
    )

    def authorise(request: Request) -> None:
        supplied = request.headers.get("authorization", "")
        if token is not None and hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
            return
        if dev_trust_ui_origin and request.headers.get("origin") == ui_origin and _loopback(request):
            return
        raise HTTPException(status_code=401, detail="a valid bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})

    async def transform(request: Request, decode: bool) -> Response:
        authorise(request)
        try:
            payloads = json_format.Parse(await request.body(), Payloads())
        except json_format.ParseError:
            raise HTTPException(status_code=400, detail='expected {"payloads": [...]}') from None
        try:
            out = await (codec.open_all if decode else codec.encode)(list(payloads.payloads))
        except CodecKeyError as error:
            raise HTTPException(status_code=422, detail=str(error)) from None
        body = json_format.MessageToJson(Payloads(payloads=out))
        return Response(content=body, media_type="application/json")

    @app.post("/decode")
    async def decode(request: Request) -> Response:
        return await transform(request, decode=True)

    @app.post("/encode")
    async def encode(request: Request) -> Response:
        return await transform(request, decode=False)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _loopback(request: Request) -> bool:
    return request.client is not None and request.client.host in ("127.0.0.1", "::1")
