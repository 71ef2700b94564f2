"""`python -m notifier`: the worker process (`porchlight worker` checks Redis, then runs this)."""

import sys

from notifier.worker import run
from porchlight.platform import logs
from porchlight.platform.settings import SettingsError, load_settings

try:
    settings = load_settings()
except SettingsError as exc:
    sys.exit(f"Error: {exc}")
logs.configure()
run(settings)
