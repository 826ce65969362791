"""Staff review KYB in Django admin: the real admin pages, driven through the test client.

The actions go through the same services as the code; each decision is recorded in the
append-only review history and the audit log, and emails the organization's owners and admins.
"""
