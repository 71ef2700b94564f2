"""A local stand-in for Twilio's Messages API and SendGrid's mail/send, recording exactly what
the real SDKs sent and answering the way the providers do, or failing on request."""

import json
import random
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] = field(default_factory=dict)


class ProviderStub:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.failures: list[str] = []  # "500", "400", "timeout": consumed one per request
        self.flaky = 0.0  # share of requests answered with a random 5xx/429 after those
        self.delay = 0.0  # seconds each answer takes, to keep requests in flight
        self.rng = random.Random(4)
        self.refused = 0
        self.lock = threading.Lock()
        self._delivered: dict[int, list[Received]] = {}  # a mail/send call's emails

    @property
    def sms(self) -> list[Received]:
        return [
            r
            for r in self.received
            if r.path.endswith("/Messages.json") and not r.form["To"].startswith("whatsapp:")
        ]

    @property
    def whatsapp(self) -> list[Received]:
        """Messages.json calls to `whatsapp:+…` addresses (Twilio's same Messages API)."""
        return [
            r
            for r in self.received
            if r.path.endswith("/Messages.json") and r.form["To"].startswith("whatsapp:")
        ]

    @property
    def emails(self) -> list[Received]:
        """Each email as its recipient gets it: a call with several personalizations is
        several emails."""
        for call in self.email_calls:
            if id(call) not in self._delivered:  # the same objects each time: `is` holds
                self._delivered[id(call)] = _as_delivered(call)
        return [email for call in self.email_calls for email in self._delivered[id(call)]]

    @property
    def messages(self) -> list[Received]:
        """Every message a recipient gets: emails, SMS and WhatsApp."""
        texts = [r for r in self.received if r.path.endswith("/Messages.json")]
        return self.emails + texts

    @property
    def email_calls(self) -> list[Received]:
        return [r for r in self.received if r.path == "/v3/mail/send"]

    def fail_next(self, *failures: str) -> None:
        self.failures.extend(failures)


def _as_delivered(call: Received) -> list[Received]:
    """A mail/send call's emails as SendGrid makes them: one per personalization, its subject,
    headers and custom args over the mail's, its substitutions filled into the content."""
    mail = call.json
    emails = []
    for own in mail["personalizations"]:
        values = own.get("substitutions", {})

        def filled(text: str, values: dict[str, str] = values) -> str:
            for key, value in values.items():
                text = text.replace(key, value)
            return text

        email = {**mail, "personalizations": [own]}
        email["subject"] = filled(own.get("subject", mail.get("subject", "")))
        email["content"] = [{**c, "value": filled(c["value"])} for c in mail["content"]]
        for part in ("headers", "custom_args"):
            if merged := {**mail.get(part, {}), **own.get(part, {})}:
                email[part] = merged
        emails.append(Received(call.path, call.headers, json=email))
    return emails


def _handler(stub: ProviderStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(stub.delay)
            with stub.lock:
                failure = stub.failures.pop(0) if stub.failures else ""
                if not failure and stub.rng.random() < stub.flaky:
                    failure = stub.rng.choice(["500", "502", "503", "429"])
                stub.refused += bool(failure)
            if failure == "timeout":
                time.sleep(11)  # longer than the channels' 10 s client timeout
                return
            if failure:
                self._answer(int(failure), {"message": "stub failure", "code": 21211})
                return
            record = Received(self.path, dict(self.headers))
            if self.path.endswith("/Messages.json"):
                record.form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                stub.received.append(record)
                sid = "SM" + secrets.token_hex(16)
                self._answer(
                    201,
                    {
                        "sid": sid,
                        "status": "queued",
                        "to": record.form.get("To"),
                        "body": record.form.get("Body"),
                    },
                )
            elif self.path == "/v3/mail/send":
                record.json = json.loads(raw)
                stub.received.append(record)
                self.send_response(202)
                self.send_header("X-Message-Id", "sg-" + secrets.token_hex(8))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._answer(404, {"message": "unknown path"})

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def provider_stub() -> Iterator[tuple[ProviderStub, str]]:
    stub = ProviderStub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield stub, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def providers(settings, provider_stub):
    stub, base = provider_stub
    configured = type(settings).model_validate(
        settings.model_dump()
        | {
            "email_backend": "sendgrid",
            "sms_backend": "twilio",
            "sendgrid_api_key": "SG.test",
            "sendgrid_api_base": base,
            "twilio_account_sid": "AC" + "0" * 32,
            "twilio_auth_token": "twilio-token",
            "twilio_from_number": "+15005550006",
            "twilio_api_base": base,
        }
    )
    return stub, configured


def provider_env(base: str) -> dict[str, str]:
    """Environment for a real portal or worker process sending through the stub at `base`."""
    return {
        "EMAIL_BACKEND": "sendgrid",
        "SENDGRID_API_KEY": "SG.test",
        "SENDGRID_API_BASE": base,
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "twilio-token",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_API_BASE": base,
    }
