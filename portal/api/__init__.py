"""The retailer-facing JSON API, authenticated per brand with a Bearer API key."""
