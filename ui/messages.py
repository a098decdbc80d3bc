"""Shim: the message catalog moved to text.messages. Removed after merging."""

from text.messages import I18N_DIR, LANGS, catalog, message

__all__ = ["I18N_DIR", "LANGS", "catalog", "message"]
