"""Field validators shared by several modules' schemas, and `invalid`, how any validator
refuses a value."""

from __future__ import annotations

import re
import unicodedata

from pydantic_core import PydanticCustomError
from validate_docbr import CNPJ


def invalid(code: str, message: str, **context: object) -> PydanticCustomError:
    """A refused value: its 422 item's `type` is `code` (a client translates it, as it does
    an error's `code`), `msg` the English message, formatted from `context`, which the item
    carries as `ctx`."""
    return PydanticCustomError(code, message, context or None)


def normalize_text(value: str) -> str:
    """NFC, trimmed, inner whitespace collapsed: 'Ana  Maria ' -> 'Ana Maria'."""
    if "\x00" in value:
        raise invalid(
            "nul_character", "text cannot contain NUL characters"
        )  # PostgreSQL refuses them
    return " ".join(unicodedata.normalize("NFC", value).split())


def cpf_digits(value: str) -> str:
    """A Brazilian CPF reduced to its 11 digits, refused when the check digits fail."""
    digits = re.sub(r"[.\-\s]", "", value)
    if not re.fullmatch(r"\d{11}", digits):
        raise invalid("cpf_format", "CPF must have 11 digits (punctuation allowed: 123.456.789-09)")
    if digits == digits[0] * 11:
        raise invalid("cpf_invalid", "CPF is invalid")
    numbers = [int(d) for d in digits]
    for position in (9, 10):
        weighted = sum(
            n * w for n, w in zip(numbers[:position], range(position + 1, 1, -1), strict=True)
        )
        check = weighted * 10 % 11 % 10
        if numbers[position] != check:
            raise invalid("cpf_check_digits", "CPF check digits do not match")
    return digits


_CNPJ = CNPJ()


def cnpj_digits(value: str) -> str:
    """A Brazilian CNPJ reduced to its 14 characters (digits, or the alphanumeric format of
    July 2026), refused when the check digits fail (validate-docbr checks them)."""
    digits = re.sub(r"[./\-\s]", "", value).upper()
    if not re.fullmatch(r"[0-9A-Z]{12}\d{2}", digits):
        raise invalid(
            "cnpj_format", "CNPJ must have 14 characters (punctuation allowed: 11.222.333/0001-81)"
        )
    if not _CNPJ.validate(digits):
        raise invalid("cnpj_check_digits", "CNPJ check digits do not match")
    return digits


_PHONE = re.compile(r"^\+?[0-9 ()\-]{8,24}$")


def phone(value: str) -> str:
    value = value.strip()
    if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 8:
        raise invalid("phone_format", "phone must have 8 to 20 digits; + ( ) - and spaces allowed")
    return value
