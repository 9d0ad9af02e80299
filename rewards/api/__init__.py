"""The integration API (checkouts, tills, sync) and the member-facing API, under /api/v1/."""
