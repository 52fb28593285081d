"""covia_trio driver (see the issues; filled in by its own work)."""
