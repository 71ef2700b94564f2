"""Shopper pages on the retailer's own domain: lookup, order page, preferences, problems."""
