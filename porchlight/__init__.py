"""Porchlight's domain: models, vocabulary and rules shared by the portal and the notifier."""
