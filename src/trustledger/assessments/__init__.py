"""Assessments: instruments (data files), anonymity rules, campaigns and responses; results next."""
