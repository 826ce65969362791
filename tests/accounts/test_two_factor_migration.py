"""Secrets stored in clear before encryption are encrypted by migration 0006, once."""

import importlib

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps as django_apps

from accounts import encryption
from tests.conftest import totp_code

migration = importlib.import_module("accounts.migrations.0006_encrypt_two_factor_secrets")


def test_a_clear_secret_is_encrypted_and_still_makes_the_same_codes(alice):
    secret = generate_totp_secret()
    Authenticator.objects.create(user=alice, type="totp", data={"secret": secret})

    migration.encrypt_existing(django_apps, None)
    migration.encrypt_existing(django_apps, None)  # a second run changes nothing

    stored = Authenticator.objects.get(user=alice).data["secret"]
    assert (stored == secret) is False
    assert encryption.decrypt(stored) == secret
    # allauth reads it through the adapter's decryption: the app's current code still works.
    assert TOTP(Authenticator.objects.get(user=alice)).validate_code(totp_code(secret))


def test_an_encrypted_secret_is_left_alone(alice):
    TOTP.activate(alice, generate_totp_secret())
    before = Authenticator.objects.get(user=alice).data["secret"]
    migration.encrypt_existing(django_apps, None)
    assert Authenticator.objects.get(user=alice).data["secret"] == before
