"""Helpers shared by the test folders (and, for the throwaway PostgreSQL, the benchmarks)."""
