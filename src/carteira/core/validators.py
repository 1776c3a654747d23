"""Field validators shared by several modules' schemas."""

from __future__ import annotations

import re
import unicodedata


def normalize_text(value: str) -> str:
    """NFC, trimmed, inner whitespace collapsed: 'Ana  Maria ' -> 'Ana Maria'."""
    if "\x00" in value:
        raise ValueError("text cannot contain NUL characters")  # PostgreSQL refuses them
    return " ".join(unicodedata.normalize("NFC", value).split())


def cpf_digits(value: str) -> str:
    """A Brazilian CPF reduced to its 11 digits, or ValueError when the check digits fail."""
    digits = re.sub(r"[.\-\s]", "", value)
    if not re.fullmatch(r"\d{11}", digits):
        raise ValueError("CPF must have 11 digits (punctuation allowed: 123.456.789-09)")
    if digits == digits[0] * 11:
        raise ValueError("CPF is invalid")
    numbers = [int(d) for d in digits]
    for position in (9, 10):
        weighted = sum(
            n * w for n, w in zip(numbers[:position], range(position + 1, 1, -1), strict=True)
        )
        check = weighted * 10 % 11 % 10
        if numbers[position] != check:
            raise ValueError("CPF check digits do not match")
    return digits


_PHONE = re.compile(r"^\+?[0-9 ()\-]{8,24}$")


def phone(value: str) -> str:
    value = value.strip()
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 8:
        raise ValueError("phone must have 8 to 20 digits; + ( ) - and spaces allowed")
    return value
