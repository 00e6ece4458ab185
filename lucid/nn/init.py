"""nn: init (to be filled)."""
