"""The leak sweeps' marker search: a price is found wherever a page prints it, and not in the
hexadecimal fingerprints and references that happen to hold its digits."""

from openbuy.processes.tests.sealed_leaks import shows


def test_a_price_is_found_however_it_is_printed():
    for text in (b"424242.17", b"Price: 424242", b"\xc2\xa3424242.17 a year", b'"424242"'):
        assert shows(text, "424242"), text


def test_digits_inside_a_fingerprint_are_not_a_price():
    fingerprint = b"9f3c" + b"424242" + b"0ab1" + b"e" * 50
    assert not shows(fingerprint, "424242")
    assert not shows(b'title="424242deadbeef"', "424242")
    assert not shows(b"hash abcdef424242<", "424242")


def test_other_secrets_are_found_anywhere():
    assert shows(b"x" + b"MARK-SEALED-1" + b"y", "MARK-SEALED-1")
    assert shows(b"424,242.17", "424,242")
    assert shows(b"receipt 3f9a0c", "3f9a0c")  # a receipt is hexadecimal: found as it is
