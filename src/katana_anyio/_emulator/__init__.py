"""The Katana emulator's implementation; import it from ``katana_anyio.emulator``."""
