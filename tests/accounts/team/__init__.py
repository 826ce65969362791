"""The Team page: members and roles, invitations, ownership, the two-factor rule, leaving and
deleting the organization, and the organization switcher, through the test client."""
