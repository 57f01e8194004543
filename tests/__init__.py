"""Test suite (a package, so test files may share a basename with those of tests/storage/)."""
