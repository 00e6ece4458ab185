"""nn: parameter (to be filled)."""
