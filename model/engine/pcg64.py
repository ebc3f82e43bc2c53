"""numpy's PCG64 generator in compiled code: the same uniforms as `numpy.random.Generator(PCG64(seed)).random`,
bit for bit, a jump ahead to any point of the stream, and numpy's seeding of it from a SeedSequence (`seeded`).

The fast engine's decisions use it (`kernels._decide_rows`): a loop over rows makes each row's uniforms itself, and
a block of rows starts at its own point of the stream, so that blocks run in parallel and still read the numbers
`model.engine.streams` lays out.

A state is the 128-bit LCG state and increment, each held as two uint64 halves (numba has no 128-bit integer;
the arithmetic on them is LLVM's, `_mul` and `_add`). Each draw steps the state (state * MULTIPLIER + increment,
modulo 2**128), then gives the XSL-RR output of the new state; a uniform is its top 53 bits over 2**53, as
numpy's `random()`.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from model.engine import compiled

_jit = compiled.jit(nogil=True)
_inline = compiled.jit(nogil=True, inline="always")

# PCG's default 128-bit multiplier, as numpy's pcg64.h: 2549297995355413924 * 2**64 + 4865540595714422341
_MUL_HI, _MUL_LO = np.uint64(2549297995355413924), np.uint64(4865540595714422341)
_U0, _U1, _U11, _U32, _U58, _U63, _U64 = (np.uint64(k) for k in (0, 1, 11, 32, 58, 63, 64))
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def _wide(builder, hi, lo):
    """Two uint64 halves as one LLVM 128-bit integer."""
    i128 = ir.IntType(128)
    return builder.or_(builder.shl(builder.zext(hi, i128), ir.Constant(i128, 64)), builder.zext(lo, i128))


def _halves(context, builder, signature, x):
    """An LLVM 128-bit integer as a (hi, lo) tuple of uint64."""
    i64 = ir.IntType(64)
    hi = builder.trunc(builder.lshr(x, ir.Constant(ir.IntType(128), 64)), i64)
    return context.make_tuple(builder, signature.return_type, [hi, builder.trunc(x, i64)])


_HALVES = types.UniTuple(types.uint64, 2)


# 128-bit arithmetic written as LLVM's own 128-bit integers: numba has no such type, and emulating the product
# with 64-bit halves took seven multiplications where the machine needs three (4.2 to 5.0 ns a uniform against 2.2
# to 2.7 ns, numpy's own 2.8 to 4.6 ns, measured filling 30M).
def _op128(name: str):
    """An intrinsic applying LLVM's 128-bit `name` ("mul", "add") to two numbers held as uint64 halves (modulo
    2**128)."""
    def typer(typingctx, a_hi, a_lo, b_hi, b_lo):
        def codegen(context, builder, signature, args):
            a, b = _wide(builder, *args[:2]), _wide(builder, *args[2:])
            return _halves(context, builder, signature, getattr(builder, name)(a, b))
        return _HALVES(types.uint64, types.uint64, types.uint64, types.uint64), codegen

    typer.__name__ = typer.__qualname__ = f"_{name}128"
    return intrinsic(typer)


_mul, _add = _op128("mul"), _op128("add")


@_inline
def _output(s_hi, s_lo):
    """PCG's XSL-RR output of a state: the halves xor-ed, rotated right by the state's top 6 bits."""
    x = s_hi ^ s_lo
    rot = s_hi >> _U58
    return (x >> rot) | (x << ((_U64 - rot) & _U63))


@_inline
def step(s_hi, s_lo, inc_hi, inc_lo):
    """The state after one draw (all uint64 halves)."""
    m_hi, m_lo = _mul(s_hi, s_lo, _MUL_HI, _MUL_LO)
    return _add(m_hi, m_lo, inc_hi, inc_lo)


@_inline
def uniform(s_hi, s_lo):
    """The uniform a draw gives, from the state that draw stepped to."""
    return (_output(s_hi, s_lo) >> _U11) * _TO_UNIT


@_inline
def next_uniform(s_hi, s_lo, inc_hi, inc_lo):
    """One draw: the state after it and its uniform."""
    s_hi, s_lo = step(s_hi, s_lo, inc_hi, inc_lo)
    return s_hi, s_lo, uniform(s_hi, s_lo)


@_jit
def jumps(inc_hi, inc_lo, out):
    """What up to len(out) - 1 draws do to a state, as a multiplier and an increment, in `out`: rows (a_hi, a_lo,
    c_hi, c_lo) where row g takes a state to the state g draws later in one step (state * a + c); row 0 leaves it
    as it is. (Written element by element: assigning rows whole made numba compile its broadcasting, seconds.)"""
    inc_hi, inc_lo = np.uint64(inc_hi), np.uint64(inc_lo)
    out[0, 0], out[0, 1], out[0, 2], out[0, 3] = _U0, _U1, _U0, _U0
    for g in range(1, len(out)):
        a_hi, a_lo = _mul(out[g - 1, 0], out[g - 1, 1], _MUL_HI, _MUL_LO)
        c_hi, c_lo = step(out[g - 1, 2], out[g - 1, 3], inc_hi, inc_lo)
        out[g, 0], out[g, 1], out[g, 2], out[g, 3] = a_hi, a_lo, c_hi, c_lo


@_inline
def jump(s_hi, s_lo, j):
    """The state a row of `jumps` takes `s` to."""
    m_hi, m_lo = _mul(s_hi, s_lo, j[0], j[1])
    return _add(m_hi, m_lo, j[2], j[3])


@_jit
def fill(s_hi, s_lo, inc_hi, inc_lo, out):
    """Fill `out` (C order) with the next uniforms from the state; returns the state after them."""
    # Halves given from Python arrive as int64 when below 2**63: the arithmetic must be unsigned.
    return fill_from(np.uint64(s_hi), np.uint64(s_lo), np.uint64(inc_hi), np.uint64(inc_lo), out.reshape(-1), out.size)


@_inline
def fill_from(s_hi, s_lo, inc_hi, inc_lo, out, count):
    """The next `count` uniforms from the state (unsigned halves) into `out` (one dimension); the state after them."""
    for k in range(count):
        s_hi, s_lo, out[k] = next_uniform(s_hi, s_lo, inc_hi, inc_lo)
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


# numpy's SeedSequence (Melissa O'Neill's seed_seq_fe, as numpy's bit_generator.pyx): 32-bit hashes of the entropy
# words into a pool of 4, then the pool hashed into the generator's seed. Made here so that a run whose every draw
# reads its own numbers finds where each draw's stream of a cycle starts without making numpy objects (19 us each).
_INIT_A, _MULT_A, _INIT_B, _MULT_B = (np.uint64(k) for k in (0x43B0D7E5, 0x931E8875, 0x8B51F9DD, 0x58F38DED))
_MIX_L, _MIX_R, _MASK32 = np.uint64(0xCA01F9DD), np.uint64(0x4973F715), np.uint64(0xFFFFFFFF)
_U16 = np.uint64(16)
_POOL = 4


@_inline
def _hashmix(value, hash_const, mult):
    """One word hashed; returns it and the next hash constant (32-bit arithmetic held in uint64). The pool is mixed
    with `_MULT_A`, the generator's seed drawn from it with `_MULT_B`."""
    value = (value ^ hash_const) & _MASK32
    hash_const = (hash_const * mult) & _MASK32
    value = (value * hash_const) & _MASK32
    return value ^ (value >> _U16), hash_const


@_inline
def _mix(x, y):
    r = (_MIX_L * x - _MIX_R * y) & _MASK32
    return r ^ (r >> _U16)


@_jit
def seeded(entropy):
    """The PCG64 state and increment halves numpy's `PCG64(SeedSequence(...))` starts from, given the sequence's
    assembled entropy words (uint32: the seed's words, padded with zeros to 4 when there is a spawn key, then the
    spawn key's; `entropy_words`)."""
    pool = np.zeros(_POOL, dtype=np.uint64)
    h = _INIT_A
    for i in range(_POOL):
        pool[i], h = _hashmix(np.uint64(entropy[i]) if i < len(entropy) else _U0, h, _MULT_A)
    for src in range(_POOL):
        for dst in range(_POOL):
            if src != dst:
                v, h = _hashmix(pool[src], h, _MULT_A)
                pool[dst] = _mix(pool[dst], v)
    for src in range(_POOL, len(entropy)):
        for dst in range(_POOL):
            v, h = _hashmix(np.uint64(entropy[src]), h, _MULT_A)
            pool[dst] = _mix(pool[dst], v)
    # generate_state(4, uint64): eight 32-bit words from the pool in turn, read as four little-endian uint64
    words = np.zeros(8, dtype=np.uint64)
    h = _INIT_B
    for i in range(8):
        words[i], h = _hashmix(pool[i % _POOL], h, _MULT_B)
    seed_hi, seed_lo = words[0] | (words[1] << _U32), words[2] | (words[3] << _U32)
    inc_hi, inc_lo = words[4] | (words[5] << _U32), words[6] | (words[7] << _U32)
    # pcg64_srandom_r: the increment is the sequence shifted left and odd; one step, add the seed, one step
    inc_hi, inc_lo = (inc_hi << _U1) | (inc_lo >> _U63), (inc_lo << _U1) | _U1
    s_hi, s_lo = step(_U0, _U0, inc_hi, inc_lo)
    s_hi, s_lo = _add(s_hi, s_lo, seed_hi, seed_lo)
    s_hi, s_lo = step(s_hi, s_lo, inc_hi, inc_lo)
    return s_hi, s_lo, inc_hi, inc_lo


def _words(n: int) -> list[int]:
    """A non-negative whole number as numpy's SeedSequence takes it: 32-bit words, least significant first."""
    out = [n & 0xFFFFFFFF]
    n >>= 32
    while n:
        out.append(n & 0xFFFFFFFF)
        n >>= 32
    return out


def entropy_words(seed: int, spawn_key: tuple[int, ...]) -> np.ndarray:
    """numpy's SeedSequence(seed, spawn_key=...)'s assembled entropy, for `seeded`."""
    run = _words(int(seed))
    if spawn_key and len(run) < _POOL:
        run += [0] * (_POOL - len(run))
    return np.array(run + [w for k in spawn_key for w in _words(int(k))], dtype=np.uint32)


@_jit
def starts(entropy, lengths, last):
    """`seeded` for each row of `entropy` (its first `lengths` words), with its last word set to `last`: rows
    (state and increment halves), one per row."""
    out = np.empty((len(entropy), 4), dtype=np.uint64)
    for k in range(len(entropy)):
        e = entropy[k, : lengths[k]].copy()
        e[-1] = last
        out[k, 0], out[k, 1], out[k, 2], out[k, 3] = seeded(e)
    return out
