"""The road to production is one state machine: Contact sales, Create a production app, Request
production access, Complete KYB, in this order, then Tink's review.

Every order of the four steps is tried, through the services and through forged POSTs: a step
is taken only once every step before it is done; otherwise it is refused with "<the first
missing step> first." and nothing at all is recorded. A Hypothesis state machine then runs
hundreds of sequences of steps, edits, reviews and decisions against a model of what each call
must do, and checks after every call that no illegal state was reached.
"""
