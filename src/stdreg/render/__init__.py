"""Renderers: reports and query results as terminal tables, JSON, CSV and Excel."""
