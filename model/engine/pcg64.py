"""numpy's PCG64 generator in compiled code: the same uniforms as `numpy.random.Generator(PCG64(seed)).random`,
bit for bit, and a jump ahead to any point of the stream.

It is a first part of a compiled monthly step: a loop over rows can make each row's uniforms itself, and a
block of rows can start at its own point of the stream, so that blocks can run in parallel and still read the
numbers `model.engine.streams` lays out. The engines do not use it yet.

A state is the 128-bit LCG state and increment, each held as two uint64 halves (numba has no 128-bit
integer). Each draw steps the state (state * MULTIPLIER + increment, modulo 2**128), then gives the XSL-RR
output of the new state; a uniform is its top 53 bits over 2**53, as numpy's `random()`.
"""

from __future__ import annotations

import numba
import numpy as np

_jit = numba.njit(cache=True, nogil=True)
_inline = numba.njit(cache=True, nogil=True, inline="always")

# PCG's default 128-bit multiplier, as numpy's pcg64.h: 2549297995355413924 * 2**64 + 4865540595714422341
_MUL_HI, _MUL_LO = np.uint64(2549297995355413924), np.uint64(4865540595714422341)
_LOW32 = np.uint64(0xFFFFFFFF)
_U0, _U1, _U11, _U32, _U58, _U63, _U64 = (np.uint64(k) for k in (0, 1, 11, 32, 58, 63, 64))
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@_inline
def _mul_hi(a, b):
    """The top 64 bits of the 128-bit product of two uint64."""
    a_lo, a_hi, b_lo, b_hi = a & _LOW32, a >> _U32, b & _LOW32, b >> _U32
    lo_lo, lo_hi, hi_lo = a_lo * b_lo, a_lo * b_hi, a_hi * b_lo
    mid = (lo_lo >> _U32) + (lo_hi & _LOW32) + (hi_lo & _LOW32)
    return a_hi * b_hi + (lo_hi >> _U32) + (hi_lo >> _U32) + (mid >> _U32)


@_inline
def _mul(a_hi, a_lo, b_hi, b_lo):
    """a * b modulo 2**128."""
    return _mul_hi(a_lo, b_lo) + a_lo * b_hi + a_hi * b_lo, a_lo * b_lo


@_inline
def _add(a_hi, a_lo, b_hi, b_lo):
    """a + b modulo 2**128."""
    lo = a_lo + b_lo
    return a_hi + b_hi + (_U1 if lo < a_lo else _U0), lo


@_inline
def _output(s_hi, s_lo):
    """PCG's XSL-RR output of a state: the halves xor-ed, rotated right by the state's top 6 bits."""
    x = s_hi ^ s_lo
    rot = s_hi >> _U58
    return (x >> rot) | (x << ((_U64 - rot) & _U63))


@_jit
def fill(s_hi, s_lo, inc_hi, inc_lo, out):
    """Fill `out` (C order) with the next uniforms from the state; returns the state after them."""
    # Halves given from Python arrive as int64 when below 2**63: the arithmetic must be unsigned.
    s_hi, s_lo, inc_hi, inc_lo = np.uint64(s_hi), np.uint64(s_lo), np.uint64(inc_hi), np.uint64(inc_lo)
    flat = out.reshape(-1)
    for k in range(flat.size):
        m_hi, m_lo = _mul(s_hi, s_lo, _MUL_HI, _MUL_LO)
        s_hi, s_lo = _add(m_hi, m_lo, inc_hi, inc_lo)
        flat[k] = (_output(s_hi, s_lo) >> _U11) * _TO_UNIT
    return s_hi, s_lo


@_jit
def advance(s_hi, s_lo, inc_hi, inc_lo, delta):
    """The state `delta` draws later, in about log2(delta) steps (numpy's `PCG64.advance`)."""
    s_hi, s_lo, inc_hi, inc_lo = np.uint64(s_hi), np.uint64(s_lo), np.uint64(inc_hi), np.uint64(inc_lo)
    acc_mul_hi, acc_mul_lo, acc_add_hi, acc_add_lo = _U0, _U1, _U0, _U0
    mul_hi, mul_lo, add_hi, add_lo = _MUL_HI, _MUL_LO, inc_hi, inc_lo
    d = np.uint64(delta)
    while d > _U0:
        if d & _U1:
            acc_mul_hi, acc_mul_lo = _mul(acc_mul_hi, acc_mul_lo, mul_hi, mul_lo)
            m_hi, m_lo = _mul(acc_add_hi, acc_add_lo, mul_hi, mul_lo)
            acc_add_hi, acc_add_lo = _add(m_hi, m_lo, add_hi, add_lo)
        p_hi, p_lo = _add(mul_hi, mul_lo, _U0, _U1)
        add_hi, add_lo = _mul(p_hi, p_lo, add_hi, add_lo)
        mul_hi, mul_lo = _mul(mul_hi, mul_lo, mul_hi, mul_lo)
        d >>= _U1
    m_hi, m_lo = _mul(acc_mul_hi, acc_mul_lo, s_hi, s_lo)
    return _add(m_hi, m_lo, acc_add_hi, acc_add_lo)


def state_of(bit_generator: np.random.PCG64) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """A numpy PCG64's state and increment as the four uint64 halves `fill` and `advance` take."""
    st = bit_generator.state["state"]
    low = (1 << 64) - 1
    return (np.uint64(st["state"] >> 64), np.uint64(st["state"] & low), np.uint64(st["inc"] >> 64),
            np.uint64(st["inc"] & low))
