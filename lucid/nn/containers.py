"""nn: containers (to be filled)."""
