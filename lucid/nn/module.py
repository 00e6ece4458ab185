"""nn: module (to be filled)."""
