"""Member organisations, their users, API tokens and sharing groups."""
