"""Notifications: in-app (the bell) and e-mail through background jobs."""
