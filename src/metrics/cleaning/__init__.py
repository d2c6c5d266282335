"""Cleaning: raw spreadsheets in, the processed-data contract out (ingest -> rows -> schemas -> store)."""
