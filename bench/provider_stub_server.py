"""The suite's provider stub (tests/provider_stub.py) in a process of its own, so the CPU it
spends answering is not charged to the worker a benchmark measures.

    .venv/bin/python -m bench.provider_stub_server

Prints the port it listens on, then serves until its stdin closes. It keeps connections open
(HTTP/1.1) as SendGrid and Twilio do; `GET /counts` answers how many emails and SMS it took.
"""

import json
import sys
import threading
from http.server import ThreadingHTTPServer

from tests.provider_stub import ProviderStub, _handler


def serve() -> None:
    stub = ProviderStub()

    class KeepAlive(_handler(stub)):  # type: ignore[misc, valid-type]
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer(200, {"emails": len(stub.emails), "sms": len(stub.sms)})

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps({"port": server.server_port}), flush=True)
    sys.stdin.read()  # the benchmark closes it (or exits) when done
    server.shutdown()


if __name__ == "__main__":
    serve()
