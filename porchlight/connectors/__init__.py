"""Connectors: a brand's Shopify store feeds orders in, its aggregator accounts get each new
tracking number registered, so parcels track themselves without retailer code."""
