"""Who logs in during the browser tests."""

PASSWORDS = {"mia": "manager-pass-1", "kim": "clerk-pass-1"}
