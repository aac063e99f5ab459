"""Sealing submissions: encryption at rest and receipts.

Each process has its own 256-bit key, derived with HKDF-SHA256 from the key-encryption key in
``OPENBUY_SEAL_KEY`` (never stored in the database). Content is sealed with AES-256-GCM, bound
to the process and organisation it belongs to, so a sealed value copied onto another row fails
to open. A receipt is the SHA-256 of the canonical JSON of the content: sorted keys, no spaces,
UTF-8 — the same bytes however the content was built.
"""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = b"\x01"
NONCE_BYTES = 12


class SealError(Exception):
    """Sealed content that cannot be opened: a wrong key, a tampered or misplaced value."""


def _kek() -> bytes:
    secret = settings.SEAL_KEY or settings.SECRET_KEY
    return hashlib.sha256(secret.encode()).digest()


def process_key(process_id: int) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"openbuy-seal-v1",
        info=f"process:{process_id}".encode(),
    ).derive(_kek())


def _context(process_id: int, organisation_id: int, what: str) -> bytes:
    return f"{what}:{process_id}:{organisation_id}".encode()


def seal(data: bytes, *, process_id: int, organisation_id: int, what: str = "submission") -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    box = AESGCM(process_key(process_id))
    return VERSION + nonce + box.encrypt(nonce, data, _context(process_id, organisation_id, what))


def unseal(
    sealed: bytes, *, process_id: int, organisation_id: int, what: str = "submission"
) -> bytes:
    sealed = bytes(sealed)
    if not sealed.startswith(VERSION) or len(sealed) < 1 + NONCE_BYTES + 16:
        raise SealError("not a sealed value")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(process_key(process_id)).decrypt(
            nonce, body, _context(process_id, organisation_id, what)
        )
    except InvalidTag:
        raise SealError("the sealed value does not open with this key and place") from None


def canonical(content: dict) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def receipt(content: dict) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def seal_json(content: dict, *, process_id: int, organisation_id: int) -> bytes:
    return seal(canonical(content), process_id=process_id, organisation_id=organisation_id)


def unseal_json(sealed: bytes, *, process_id: int, organisation_id: int) -> dict:
    return json.loads(unseal(sealed, process_id=process_id, organisation_id=organisation_id))
