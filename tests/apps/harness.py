"""Shared by the document clients in tests/apps/: turns the database URL chatdb migrated
into one SQLAlchemy async URL per driver the document's stack uses, runs a client's
scenario once per driver, and reports what failed.

A client is `python3 tests/apps/<doc>.py <url>`, with <url> the URL given to chatdb
(postgres://... or sqlite:///path). PostgreSQL runs through asyncpg and psycopg 3;
SQLite through aiosqlite, for the documents that name SQLite. Exit 0 means every
scenario passed on every driver; anything else prints the failure and exits 1.
"""

import asyncio
import sys
import traceback
from urllib.parse import urlsplit, urlunsplit


def driver_urls(url, sqlite_ok):
    """(driver name, SQLAlchemy async URL) for every driver the URL's database takes."""
    parts = urlsplit(url)
    if parts.scheme in ("postgres", "postgresql"):
        return [
            ("asyncpg", urlunsplit(parts._replace(scheme="postgresql+asyncpg"))),
            ("psycopg", urlunsplit(parts._replace(scheme="postgresql+psycopg"))),
        ]
    if parts.scheme == "sqlite":
        if not sqlite_ok:
            raise SystemExit(f"this document names no SQLite deployment: {url}")
        # chatdb takes sqlite://path (relative) and sqlite:///abs; SQLAlchemy wants sqlite:///path.
        path = url[len("sqlite://"):]
        return [("aiosqlite", "sqlite+aiosqlite:///" + path)]
    raise SystemExit(f"unsupported database URL: {url}")


def check(cond, what):
    """An assertion that survives python -O and says what the document's code expected."""
    if not cond:
        raise AssertionError(what)


def main(scenario, sqlite_ok=False):
    """Runs `await scenario(driver, sqlalchemy_url)` for each driver of argv[1]."""
    if len(sys.argv) != 2:
        raise SystemExit(f"usage: {sys.argv[0]} <database-url>")
    failed = 0
    for driver, url in driver_urls(sys.argv[1], sqlite_ok):
        try:
            asyncio.run(scenario(driver, url))
            print(f"{driver}: ok")
        except Exception:  # report every driver, then fail
            failed += 1
            print(f"{driver}: FAILED", flush=True)
            traceback.print_exc()
    sys.exit(1 if failed else 0)
