"""Test support: fixtures, the generic permission test cases and helpers that
later apps only configure (STYLE.md §7)."""
