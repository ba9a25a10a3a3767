"""core — what every app stands on: identity, regions and departments, memberships and
scoped permissions, audit and domain events, rules, working days, search, API tokens."""
