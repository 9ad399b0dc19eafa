# Fits the coefficients of assembly/erf.ts (run with python3 and numpy; prints them). Chebyshev
# least squares on Chebyshev nodes, which is within a whisker of minimax, converted to monomials:
#   |x| < 1:     erf(x) = x · A(x²)                  A of degree 5 in s = x²  (relative error 4.4e-8)
#   1 <= |x| < 4: erf(x) = 1 - exp(-x²) · B(u)        B of degree 10 in u = (2|x| - 5) / 3 ∈ [-1, 1],
#                                                    fitting exp(x²)·erfc(x) (relative error 2.2e-7,
#                                                    1.6e-8 absolute in erf)
# Evaluated in f32 with a degree-6 f32 exp, the whole erf stays within 2 ulp of the correctly rounded value.
import math
import numpy as np
from numpy.polynomial import chebyshev as C, polynomial as P

def nodes(lo, hi, n=2000):
    return lo + (hi - lo) * (np.cos(np.linspace(0, math.pi, n)) + 1) / 2

def monomials(cheb, shift):
    """Chebyshev series in t = shift[0] + shift[1]·v, rewritten as monomials in v."""
    result = np.zeros(1)
    for k, ck in enumerate(C.cheb2poly(cheb)):
        result = P.polyadd(result, ck * P.polypow(shift, k))
    return result

s = nodes(0, 1)
x = np.sqrt(np.maximum(s, 1e-30))
small = np.array([math.erf(v) / v if v > 1e-12 else 2 / math.sqrt(math.pi) for v in x])
print('A (in s = x²):', [float(v) for v in monomials(C.chebfit(2 * s - 1, small, 5), [-1, 2])])

x = nodes(1, 4)
scaled = np.array([math.erfc(v) * math.exp(v * v) for v in x])
print('B (in u = (2|x| - 5) / 3):', [float(v) for v in C.cheb2poly(C.chebfit((2 * x - 5) / 3, scaled, 10))])
