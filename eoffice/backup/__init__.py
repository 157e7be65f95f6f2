"""Backup and restore of a whole deployment (`flask backup`, `flask restore`; decision 0024).

One archive holds a consistent snapshot of the database and every stored file it refers
to, with a manifest of hashes; a restore checks all of it before it writes anything and
brings it up only on an empty database and an empty file store.
"""
