"""Coverage-guided fuzzing (atheris / libFuzzer) of everything that reads outside input before
the database sees it: the three carrier parsers and signature checks, the JSON reader, and the
order and contact payloads. The only allowed outcomes are a result or our own refusal
(MalformedPayload, BadJson, a pydantic ValidationError); anything else is a crash it reports.

    .venv/bin/python -m bench.fuzz [libFuzzer flags, e.g. -runs=200000 -max_total_time=60]

Seeds: the recorded aggregator bodies in ../shared/fixtures/carriers (when present).
"""

import contextlib
import subprocess
import sys
from pathlib import Path

import atheris

from bench.support import Row, Target

with atheris.instrument_imports():
    from pydantic import SecretStr, ValidationError
    from starlette.datastructures import Headers, QueryParams

    from porchlight.carriers import aftership, easypost, shippo
    from porchlight.carriers.base import MalformedPayload
    from porchlight.insight.contacts import ContactIn
    from porchlight.orders.payload import OrderIn
    from porchlight.platform import json_input
    from porchlight.platform.settings import Settings

ADAPTERS = [easypost.adapter, aftership.adapter, shippo.adapter]
SETTINGS = Settings(  # throwaway secrets for the fuzzer's own settings
    secret_key=SecretStr("fuzz-" + "k" * 40),
    easypost_webhook_secret=SecretStr("fuzz"),
    aftership_webhook_secret=SecretStr("fuzz"),
    shippo_webhook_token=SecretStr("fuzz"),
)
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "carriers"


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    which = fdp.ConsumeIntInRange(0, 4)
    header = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 80))  # headers arrive as raw bytes
    body = fdp.ConsumeBytes(fdp.remaining_bytes())
    if which < 3:
        adapter = ADAPTERS[which]
        headers = Headers(raw=[(b"x-hmac-signature", header), (b"aftership-hmac-sha256", header)])
        query = QueryParams(b"token=" + header)
        adapter.verify(SETTINGS, headers, query, body)
        with contextlib.suppress(MalformedPayload):
            adapter.parse(body)
        return
    try:
        document = json_input.loads(body)
        (OrderIn if which == 3 else ContactIn).model_validate(document)
    except (json_input.BadJson, ValidationError):
        pass


def seeds(directory: Path) -> None:
    """Write the recorded bodies where libFuzzer takes its corpus from."""
    directory.mkdir(parents=True, exist_ok=True)
    for n, path in enumerate(sorted(FIXTURES.rglob("*.json"))):
        (directory / f"seed-{n}").write_bytes(bytes([n % 3]) + b"\x00" + path.read_bytes())


def rows(large: bool) -> list[Row]:
    """For `make bench`: a minute of fuzzing (ten on the large run), in a process of its own."""
    seconds = 600 if large else 60
    done = subprocess.run(
        [sys.executable, "-m", "bench.fuzz", f"-max_total_time={seconds}"], check=False
    )
    return [
        Row(
            f"fuzzing {seconds} s: no crash (exit 0)",
            float(done.returncode == 0),
            target=Target(1, of="value"),
        )
    ]


if __name__ == "__main__":
    corpus = Path(__file__).resolve().parent / "results" / "fuzz-corpus"
    if FIXTURES.is_dir():
        seeds(corpus)
    crashes = Path(__file__).resolve().parent / "results" / "fuzz-crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    argv = [*sys.argv, f"-artifact_prefix={crashes}/"]
    if not any(not a.startswith("-") for a in sys.argv[1:]):
        argv.append(str(corpus))
    atheris.Setup(argv, one_input)
    atheris.Fuzz()
