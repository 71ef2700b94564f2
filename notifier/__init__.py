"""The arq worker: follow-up work after carrier events, notifications and scheduled sweeps."""
