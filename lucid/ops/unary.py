"""Op family: unary (to be filled)."""

__all__: list = []

TENSOR_METHODS: dict = {}
