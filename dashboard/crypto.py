"""Encryption at rest for secrets kept in the database (Fernet, rotatable keys)."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet() -> MultiFernet:
    keys = list(settings.ENCRYPTION_KEYS)
    if not keys:
        # Derived from SECRET_KEY so the embedded setup needs no extra configuration;
        # production sets ENCRYPTION_KEYS so SECRET_KEY can rotate independently.
        digest = hashlib.sha256(f"encryption:{settings.SECRET_KEY}".encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ValueError("stored secret cannot be decrypted with the configured keys") from error


class EncryptedTextField(models.TextField):
    """Stores ciphertext; Python code only ever sees the plaintext."""

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)
