"""flp_inquiry: harmonised data, state metrics and inquiry notebooks for the Fresno-Long Beach Learning Partnership."""
__version__ = "0.1.0"
