"""Answer areas of further question kinds: each module registers its own with `register_area`."""
