"""The statement counter of the round-trip tests, for the inbox's own budget test."""

from tests.platform.test_round_trips import round_trips  # noqa: F401 - a fixture
