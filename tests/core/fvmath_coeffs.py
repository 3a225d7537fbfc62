#!/usr/bin/env python3
"""Derives every constant of core/fvmath.h (needs mpmath; prints C to paste).

Polynomials: minimax (Remez exchange, written below) in high precision, then rounded to
double and re-checked on a dense grid. Tables and split constants: exact values from mpmath
at 100 digits, rounded as the C code requires (split constants keep trailing zero bits so
that the products the C code relies on are exact)."""
import mpmath as mp

mp.mp.dps = 100


def remez(g, a, b, deg, iters=40, grid=3000):
    """Polynomial c[0] + c[1] z + ... of degree deg minimising max |g(z) - p(z)| on [a, b]:
    solve for p and the levelled error E on deg+2 reference points, move the references
    to the local extrema of the error (one per sign run), repeat until they level."""
    a, b, n = mp.mpf(a), mp.mpf(b), deg
    ref = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * k / (n + 1)) for k in range(n + 2)]
    for _ in range(iters):
        A = mp.matrix(n + 2, n + 2)
        rhs = mp.matrix(n + 2, 1)
        for i, z in enumerate(ref):
            for j in range(n + 1):
                A[i, j] = z ** j
            A[i, n + 1] = (-1) ** i
            rhs[i] = g(z)
        sol = mp.lu_solve(A, rhs)
        c = [sol[j] for j in range(n + 1)]
        E = abs(sol[n + 1])

        def err(z):
            return g(z) - mp.polyval(c[::-1], z)

        zs = [a + (b - a) * k / grid for k in range(grid + 1)]
        es = [err(z) for z in zs]
        runs = []
        for k in range(grid + 1):
            if k not in (0, grid) and not (abs(es[k]) >= abs(es[k - 1]) and abs(es[k]) >= abs(es[k + 1])):
                continue
            z = zs[k]
            if k not in (0, grid):  # refine the extremum (golden section on |err|)
                lo, hi = zs[k - 1], zs[k + 1]
                for _ in range(80):
                    m1, m2 = lo + (hi - lo) * mp.mpf('0.382'), lo + (hi - lo) * mp.mpf('0.618')
                    if abs(err(m1)) > abs(err(m2)):
                        hi = m2
                    else:
                        lo = m1
                z = (lo + hi) / 2
            e = err(z)
            if runs and mp.sign(e) == mp.sign(runs[-1][1]):
                if abs(e) > abs(runs[-1][1]):
                    runs[-1] = (z, e)
            else:
                runs.append((z, e))
        while len(runs) > n + 2:
            runs.pop(0 if abs(runs[0][1]) < abs(runs[-1][1]) else -1)
        if len(runs) < n + 2:
            break
        ref = [z for z, _ in runs]
        top = max(abs(e) for _, e in runs)
        if top - E < E * mp.mpf('1e-8'):
            break
    return c


def dense_max(f, a, b, n=4000):
    a, b = mp.mpf(a), mp.mpf(b)
    return max(abs(f(a + (b - a) * k / n)) for k in range(n + 1))


def round_bits(v, bits):
    """v rounded to a double with at most `bits` significant bits."""
    e = mp.floor(mp.log(abs(v), 2))
    q = mp.mpf(2) ** (e - bits + 1)
    return float(mp.nint(v / q) * q)


def round_grid(v, step_exp):
    q = mp.mpf(2) ** step_exp
    return float(mp.nint(v / q) * q)


def h(v):
    return float(v).hex()


def emit_poly(name, c):
    print(f"/* {name} */")
    for i, v in enumerate(c):
        print(f"#define {name}{i} {h(v)}")


def fit(name, g, a, b, deg, scale, what):
    c = remez(g, a, b, deg)
    cd = [mp.mpf(float(v)) for v in c]
    e = dense_max(lambda z: (g(z) - mp.polyval(cd[::-1], z)) * scale(z), a, b)
    print(f"/* {what}: max error after rounding the coefficients 2^{float(mp.log(e, 2)):.1f} */")
    emit_poly(name, c)
    return c


def ser(f0, fz):
    """g(z) with its removable singularity at 0: evaluated at 400 digits (the cancellation
    near 0 eats digits), the limit f0 where |z| < 1e-60."""
    def g(z):
        if abs(z) < mp.mpf('1e-60'):
            return f0
        with mp.workdps(400):
            return +fz(z)
    return g


Rs = mp.pi / 4 * (1 + mp.mpf('1e-3'))
fit('FV__S', ser(mp.mpf(-1) / 6, lambda z: (mp.sin(mp.sqrt(z)) - mp.sqrt(z)) / (z * mp.sqrt(z))),
    0, Rs ** 2, 6, lambda z: z, 'sin(r) = r + r z S(z), z = r^2, |r| <= pi/4; relative error')
fit('FV__C', ser(mp.mpf(-1) / 2, lambda z: (mp.cos(mp.sqrt(z)) - 1) / z),
    0, Rs ** 2, 6, lambda z: z, 'cos(r) = 1 + z C(z); absolute error')
Ua = mp.mpf(1) / 16 * (1 + mp.mpf('2e-3'))
fit('FV__A', ser(mp.mpf(-1) / 3, lambda z: (mp.atan(mp.sqrt(z)) - mp.sqrt(z)) / (z * mp.sqrt(z))),
    0, Ua ** 2, 4, lambda z: z, 'atan(u) = u + u z A(z), |u| <= 1/16; relative error')
De = mp.log(2) / 128 * (1 + mp.mpf('2e-2'))
fit('FV__X', ser(mp.mpf(1) / 6, lambda r: (mp.exp(r) - 1 - r - r * r / 2) / r ** 3),
    -De, De, 2, lambda r: r ** 3, 'exp(r) = 1 + r + r^2/2 + r^3 X(r), |r| <= ln2/128; absolute')
fit('FV__E', ser(mp.mpf(1) / 6, lambda r: (mp.exp(r) - 1 - r - r * r / 2) / r ** 3),
    -De, De, 3, lambda r: r ** 2, 'exp(r) - 1 = r + r^2/2 + r^3 E(r), |r| <= ln2/128; relative to r (expm1 for tanh)')
Zlo, Zhi = -mp.mpf(1) / 128 * (1 + mp.mpf('2e-2')), mp.mpf(1) / 64 * (1 + mp.mpf('2e-2'))
fit('FV__L', ser(mp.mpf(1) / 3, lambda z: (mp.log1p(z) - z + z * z / 2) / z ** 3),
    Zlo, Zhi, 5, lambda z: z ** 3, 'log1p(z) = z - z^2/2 + z^3 L(z), -1/128 <= z <= 1/64; absolute')

print("/* split constants */")
pio2 = mp.pi / 2
p1 = round_bits(pio2, 33)
p2 = round_bits(pio2 - p1, 33)
p3 = round_bits(pio2 - p1 - p2, 33)
p4 = float(pio2 - p1 - p2 - p3)
print(f"#define FV__PIO2_1 {h(p1)} /* 33 bits */")
print(f"#define FV__PIO2_2 {h(p2)} /* 33 bits */")
print(f"#define FV__PIO2_3 {h(p3)} /* 33 bits */")
print(f"#define FV__PIO2_4 {h(p4)}")
print(f"#define FV__INV_PIO2 {h(2 / mp.pi)}")
l64 = mp.log(2) / 64
l1 = round_bits(l64, 36)
print(f"#define FV__LN2_64_1 {h(l1)} /* 36 bits */")
print(f"#define FV__LN2_64_2 {h(l64 - l1)}")
print(f"#define FV__INV_LN2_64 {h(1 / l64)}")
ln2h = round_grid(mp.log(2), -42)
print(f"#define FV__LN2_HI {h(ln2h)} /* multiple of 2^-42 */")
print(f"#define FV__LN2_LO {h(mp.log(2) - ln2h)}")
print(f"#define FV__PI_HI {h(mp.pi)}")
print(f"#define FV__PI_LO {h(mp.pi - mp.mpf(float(mp.pi)))}")
print(f"#define FV__PIO2_HI {h(pio2)}")
print(f"#define FV__PIO2_LO {h(pio2 - mp.mpf(float(pio2)))}")

print("/* 2^(j/64): hi, lo */")
for j in range(64):
    v = mp.mpf(2) ** (mp.mpf(j) / 64)
    hi = float(v)
    print(f"    {{{h(hi)}, {h(v - hi)}}},")

print("/* atan(i/8), i = 0..8: c, hi, lo */")
for i in range(9):
    v = mp.atan(mp.mpf(i) / 8)
    hi = float(v)
    print(f"    {{{h(i / 8)}, {h(hi)}, {h(v - hi)}}},")

print("/* log table: 1/c, c (at most 8 bits), log(c) as hi (multiple of 2^-42) + lo; index = top 6 mantissa bits */")
ITHR = 27
zmin, zmax = mp.mpf(0), mp.mpf(0)
for i in range(64):
    lo, hi = 1 + mp.mpf(i) / 64, 1 + mp.mpf(i + 1) / 64
    if i >= ITHR:
        lo, hi = lo / 2, hi / 2
    c = mp.mpf(1) if i in (0, 63) else (lo + hi) / 2
    assert float(c) == c
    invc = float(1 / c)
    zmin = min(zmin, (lo - c) * invc)
    zmax = max(zmax, (hi - c) * invc)
    logc = mp.log(c)
    lh = round_grid(logc, -42) if logc != 0 else 0.0
    print(f"    {{{h(invc)}, {h(c)}, {h(lh)}, {h(logc - lh)}}},")
print(f"/* z range of the log table: [{float(zmin):.6f}, {float(zmax):.6f}] */")
