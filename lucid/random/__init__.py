"""Random numbers (to be filled)."""
