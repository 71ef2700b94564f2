"""From carrier events to what a shopper reads: intake, derived status, timeline, templates."""
