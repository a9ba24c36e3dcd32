"""The append-only audit log: who did what to which object or account, and when."""
