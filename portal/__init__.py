"""The Starlette app: shopper pages, agent workspace, JSON API and inbound webhooks."""
