"""Image transforms (to be filled)."""
