"""Shim: number formatting moved to text.numbers (Streamlit-free, explicit language). Removed after merging."""

from text.numbers import LOCALES, QUALIFIER_SIGN, change, is_missing, number, qualified

__all__ = ["LOCALES", "QUALIFIER_SIGN", "change", "is_missing", "number", "qualified"]
