from __future__ import annotations

from carteira.core.errors import InvalidInputError


class UnknownBenchmarkError(InvalidInputError):
    code = "unknown_benchmark"
    message = "Unknown benchmark."


class TooManyBenchmarksError(InvalidInputError):
    code = "too_many_benchmarks"
    message = "Too many benchmarks in one request."
