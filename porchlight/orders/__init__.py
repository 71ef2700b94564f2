"""Orders as retailers post them and shoppers find them: payload, lookup, signed links."""
