"""The course format: models, YAML loading with positions, variants and static checks."""
