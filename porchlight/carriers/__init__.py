"""Aggregator adapters: each verifies its webhook and maps its vocabulary onto ours."""
