"""Bringing the programme's existing caseload in at go-live (issue 32): spreadsheets (CSV or
Excel) of people and their referrals, checked row by row, previewed without saving, then
imported all or nothing through the same services the pages use. May import workflows and
everything below; nothing imports it."""
