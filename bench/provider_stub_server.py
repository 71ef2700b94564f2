"""A stand-in for SendGrid's mail/send and Twilio's Messages API in a process of its own, so the
CPU it spends answering is not charged to the worker a benchmark measures, and fast enough
(uvicorn, one small ASGI app) that the worker, not the stub, sets the pace: the suite's
threaded stub (tests/provider_stub.py) answered a kept connection 40 ms late (headers and
body in two writes, no TCP_NODELAY: the client's delayed ACK between them), and held the
worker to 225 SMS a second.

    .venv/bin/python -m bench.provider_stub_server

Prints the port it listens on, then serves until its stdin closes. It answers as the providers
do (202 and an X-Message-Id; 201 and the message's JSON), keeps connections open, refuses a
body the provider would refuse (400), and `GET /counts` answers how many emails and SMS it took.
"""

import asyncio
import json
import secrets
import socket
import sys
import threading
from typing import Any
from urllib.parse import parse_qs

import uvicorn
from starlette.types import Receive, Scope, Send

counts = {"emails": 0, "sms": 0}


async def _body(receive: Receive) -> bytes:
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _answer(send: Send, status: int, body: bytes = b"", **headers: str) -> None:
    pairs = [(b"content-length", str(len(body)).encode())]
    pairs += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, payload: dict[str, Any]) -> None:
    await _answer(send, status, json.dumps(payload).encode(), content_type="application/json")


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body, path = await _body(receive), scope["path"]
    if scope["method"] == "GET" and path == "/counts":
        await _json(send, 200, counts)
    elif path == "/v3/mail/send":
        mail = json.loads(body)
        if not (mail.get("personalizations") and mail.get("from") and mail.get("content")):
            await _json(send, 400, {"errors": [{"message": "incomplete mail"}]})
            return
        counts["emails"] += len(mail["personalizations"])
        await _answer(send, 202, x_message_id="sg-" + secrets.token_hex(8))
    elif path.endswith("/Messages.json"):
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if "To" not in form or not ("Body" in form or "ContentSid" in form):
            await _json(send, 400, {"code": 21602, "message": "A text or a template is required"})
            return
        counts["sms"] += 1
        sid = "SM" + secrets.token_hex(16)
        await _json(
            send, 201, {"sid": sid, "status": "queued", "to": form["To"], "body": form.get("Body")}
        )
    else:
        await _json(send, 404, {"message": "unknown path"})


def serve() -> None:
    # Said to be TCP, so that asyncio sets TCP_NODELAY on what it accepts: without it a kept
    # connection's answer waited 40 ms for the client's delayed ACK between headers and body.
    listening = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listening.bind(("127.0.0.1", 0))
    listening.listen(2048)  # connections wait in the backlog until the server takes them
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))

    def until_stdin_closes() -> None:
        sys.stdin.read()  # the benchmark closes it (or exits) when done
        server.should_exit = True

    threading.Thread(target=until_stdin_closes, daemon=True).start()
    print(json.dumps({"port": listening.getsockname()[1]}), flush=True)
    asyncio.run(server.serve(sockets=[listening]))


if __name__ == "__main__":
    serve()
