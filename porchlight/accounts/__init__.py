"""Who may do what: brands and their hosts, API keys, agents."""
