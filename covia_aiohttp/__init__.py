"""covia_aiohttp driver (see the issues; filled in by its own work)."""
