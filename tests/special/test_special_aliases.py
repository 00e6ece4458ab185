"""lucid.special.logsumexp and lucid.special.round are lucid.logsumexp and lucid.round."""

import numpy as np

import lucid


def test_special_logsumexp_and_round_are_the_top_level_functions():
    assert lucid.special.logsumexp is lucid.logsumexp
    assert lucid.special.round is lucid.round
    from lucid.special import round as special_round

    assert special_round is lucid.round
    assert {"logsumexp", "round"} <= set(lucid.special.__all__)
    x = np.array([[0.5, 1000.0], [-2.0, 3.0]])
    ref = np.log(np.exp(x - x.max(1, keepdims=True)).sum(1)) + x.max(1)
    np.testing.assert_allclose(lucid.special.logsumexp(lucid.tensor(x), 1).numpy(), ref, rtol=1e-12)
    np.testing.assert_allclose(lucid.special.round(lucid.tensor([1.26, -2.5]), decimals=1).numpy(), [1.3, -2.5],
                               rtol=1e-6)
