"""Two-factor log-in with allauth's MFA, through the real pages: set up an authenticator app
(the test computes its codes from the secret, as the app would), log in with a code or a
recovery code, refusals; an organization's requirement and the admin's, enforced by
accounts.middleware.TwoFactorRequiredMiddleware.

No code, secret or recovery code may appear in the output: they are wrapped in Hidden, whose
repr is masked, and pages that show them are only ever inspected through helpers returning
booleans, so a failing assertion prints neither.
"""
