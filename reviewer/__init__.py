"""The review engine: reads git history and reports findings. Pure library, no Django."""

__version__ = "0.1.0"

# Bumped whenever a rule or the analysis changes what it reports for the same input,
# so cached blob analyses from an older engine are never reused.
ENGINE_VERSION = "1"
