"""Print NumPy's dispatched SIMD features that this CPU has, space-separated.

`make test-portable` puts them in NPY_DISABLE_CPU_FEATURES so that NumPy's own kernels
(exp, log, sums, ...) fall back to the x86-64-v2 baseline: a stand-in for running the
notebooks on an older CPU.
"""

from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

print(" ".join(f for f in __cpu_dispatch__ if __cpu_features__.get(f)))
