"""What the retailer learns: KPIs, page views, contacts, volume."""
