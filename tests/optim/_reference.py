"""NumPy transcriptions (float64) of PyTorch's published optimizer update rules.

Each ``ref_*`` takes one parameter's initial value and the gradients fed at
each step, and returns the parameter after those steps. They are written from
the algorithm boxes of PyTorch's documentation, independently of lucid.optim.
"""

from __future__ import annotations

import math

import numpy as np


def _neg(g, maximize):
    return -g if maximize else g


def ref_sgd(p, grads, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    buf = None
    for g in grads:
        g = _neg(g, maximize)
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
    return p


def ref_adam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
             decoupled=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    vmax = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = _neg(g, maximize)
        if weight_decay:
            if decoupled:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if amsgrad:
            vmax = np.maximum(vmax, v)
            vv = vmax
        else:
            vv = v
        p = p - lr / (1 - b1 ** t) * m / (np.sqrt(vv) / math.sqrt(1 - b2 ** t) + eps)
    return p


def ref_adamw(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False):
    return ref_adam(p, grads, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled=True)


def ref_adamax(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    u = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = _neg(g, maximize)
        if weight_decay:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1 ** t) * m / u
    return p


def ref_nadam(p, grads, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    mu_prod = 1.0
    for t, g in enumerate(grads, 1):
        g = _neg(g, maximize)
        if weight_decay:
            if decoupled_weight_decay:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_prod *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = mu_next * m / (1 - mu_prod * mu_next) + (1 - mu) * g / (1 - mu_prod)
        v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    return p


def ref_radam(p, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
              maximize=False):
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    for t, g in enumerate(grads, 1):
        g = _neg(g, maximize)
        if weight_decay:
            if decoupled_weight_decay:
                p = p * (1 - lr * weight_decay)
            else:
                g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            l_t = math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
            r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * r_t * l_t
        else:
            p = p - lr * m_hat
    return p


def ref_rmsprop(p, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                maximize=False):
    v = np.zeros_like(p)
    gav = np.zeros_like(p)
    buf = np.zeros_like(p)
    for g in grads:
        g = _neg(g, maximize)
        if weight_decay:
            g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        vt = v
        if centered:
            gav = alpha * gav + (1 - alpha) * g
            vt = v - gav * gav
        if momentum > 0:
            buf = momentum * buf + g / (np.sqrt(vt) + eps)
            p = p - lr * buf
        else:
            p = p - lr * g / (np.sqrt(vt) + eps)
    return p


def ref_adagrad(p, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                maximize=False):
    s = np.full_like(p, initial_accumulator_value)
    for t, g in enumerate(grads, 1):
        g = _neg(g, maximize)
        if weight_decay:
            g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
    return p


def ref_adadelta(p, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v = np.zeros_like(p)
    u = np.zeros_like(p)
    for g in grads:
        g = _neg(g, maximize)
        if weight_decay:
            g = g + weight_decay * p
        v = rho * v + (1 - rho) * g * g
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * dx * dx
        p = p - lr * dx
    return p


def ref_rprop(p, grads, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0), maximize=False):
    etaminus, etaplus = etas
    lo, hi = step_sizes
    prev = np.zeros_like(p)
    size = np.full_like(p, lr)
    for g in grads:
        g = _neg(g, maximize)
        prod = g * prev
        factor = np.where(prod > 0, etaplus, np.where(prod < 0, etaminus, 1.0))
        size = np.clip(size * factor, lo, hi)
        g = np.where(prod < 0, 0.0, g)
        p = p - np.sign(g) * size
        prev = g
    return p


def ref_asgd(p, grads, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False,
             return_ax=False):
    eta, mu = lr, 1.0
    ax = np.zeros_like(p)
    for t, g in enumerate(grads, 1):
        g = _neg(g, maximize)
        if weight_decay:
            g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = p.copy() if mu == 1 else ax + mu * (p - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)
    return (p, ax) if return_ax else p
