"""Former home of the atomic writer, now :mod:`labelnr.files`; kept while callers move."""

from labelnr.files import write_atomic as write_bytes_atomic

__all__ = ["write_bytes_atomic"]
