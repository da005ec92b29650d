"""One switch for the BLAS library's threads around a computation.

The networks here are small (products like 400 x 64 by 64 x 64), and OpenBLAS's threads mostly wait
on each other: measured, the landscape's path plane took 5x the CPU time with two threads as with
one, and scipy's L-BFGS-B fits of the overfitting section were several times slower whenever
another process was busy. threadpoolctl's limit holds for the whole process while it lasts, not for
one reader; it is imported on first use (a default page computes nothing)."""

from __future__ import annotations


def one_thread():
    """A context manager: BLAS on one thread inside it, as before outside."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)
