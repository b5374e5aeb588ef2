"""A password hasher for the tests only: Django's PBKDF2 with a thousand iterations instead of a
million. The demo's dozen accounts are given passwords every time a test loads the demo (each
browser journey does), and each sign-in checks one: at a million iterations that was a third
of loading the demo (4 of 12 seconds) and a third of a second each sign-in.

It writes the same format under the same name (`pbkdf2_sha256$1000$…`), so the servers and
workers a test starts, with Django's own hashers, still check these passwords (reading the
iterations from the hash, and strengthening it on the first sign-in, as Django does).
"""
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1_000
