"""Op family: shape (to be filled)."""

__all__: list = []

TENSOR_METHODS: dict = {}
