"""Notifications: an outbox written with the change that causes it, a worker that delivers it (email,
webhooks),
and the subscriptions that decide who is told. Every recipient is checked against the one visibility rule."""
