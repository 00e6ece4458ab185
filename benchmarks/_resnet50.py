"""The parameter shapes of ResNet-50 (161 tensors, 25.6M values), for benchmarks that need a realistic set."""

from __future__ import annotations


def resnet50_shapes() -> list[tuple[int, ...]]:
    """Weights and biases of ResNet-50 in PyTorch's layout: 53 convs, 53 BatchNorms (weight + bias), the fc."""
    shapes: list[tuple[int, ...]] = []

    def conv_bn(c_in: int, c_out: int, k: int) -> None:
        shapes.append((c_out, c_in, k, k))
        shapes.extend([(c_out,), (c_out,)])

    conv_bn(3, 64, 7)
    c_in = 64
    for width, blocks in zip((64, 128, 256, 512), (3, 4, 6, 3)):
        for b in range(blocks):
            conv_bn(c_in, width, 1)
            conv_bn(width, width, 3)
            conv_bn(width, 4 * width, 1)
            if b == 0:
                conv_bn(c_in, 4 * width, 1)
            c_in = 4 * width
    shapes.extend([(1000, 2048), (1000,)])
    return shapes


if __name__ == "__main__":
    import math

    s = resnet50_shapes()
    print(len(s), sum(math.prod(x) for x in s))
