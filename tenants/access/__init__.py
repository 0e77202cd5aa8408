"""Access administration: custom roles, the team hierarchy, member assignment and deactivation."""
