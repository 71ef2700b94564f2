"""The agent's desk: finding any order (search) and acting on it (the order view's actions)."""
