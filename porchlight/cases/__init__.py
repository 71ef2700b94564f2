"""The exception workspace: cases, exception rules, business hours, sweep, delivery reports."""
