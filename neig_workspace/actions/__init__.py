"""The taskforce action plan: plans, lines, action items, progress, KPI figures."""
