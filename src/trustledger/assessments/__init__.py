"""Assessments: instruments (data files), anonymity rules; campaigns and results come next."""
