"""Each audited action writes exactly one entry, with the right actor and target.

Account events go through the real pages (log-in, re-authentication, two-factor setup,
password and email changes); team, app and production actions through their services, as
every view, admin action and task calls them. Each test takes the last entry's id before the
action and then looks at every entry written after it, so "exactly one" also means nothing
else was written on the side.
"""
