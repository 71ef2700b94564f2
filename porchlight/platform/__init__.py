"""The ground every group stands on: database, settings, logs, clock, jobs, i18n, metrics."""
