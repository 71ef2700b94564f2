"""The agent workspace: one queue of delivery exceptions, each with an owner and a timer."""
