"""Predicted delivery dates from the brand's own delivered parcels, and how good they are."""
