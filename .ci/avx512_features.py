"""Print the AVX-512 targets numpy dispatches to on this CPU, space-separated, for
``NPY_DISABLE_CPU_FEATURES``; print nothing on a CPU without them.

numpy's vectorised kernels (log, exp, tanh, sums) round differently in the last bit with and
without AVX-512, so CI runs the numeric tests a second time with these turned off: the same
commit must pass on both kinds of machine. numpy 2.4 names the targets X86_V4, AVX512_ICL and
AVX512_SPR; older releases AVX512F, AVX512_SKX and so on.
"""

try:
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
except ImportError:  # numpy < 2
    from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__

found = [t for t in __cpu_dispatch__ if __cpu_features__.get(t) and (t.startswith("AVX512") or t == "X86_V4")]
print(" ".join(found))
