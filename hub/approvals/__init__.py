"""Two-person rule for changes that would widen their actor's own reach: proposals a second coordinator
approves (`hub.policy.admin_actions` decides which changes need it)."""
