"""Signing in: passwords, lockout, the TOTP second factor and a user's own settings."""
