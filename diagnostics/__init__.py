"""PSQ diagnostics: diagnostics de sûreté for the Police de sécurité du quotidien (70 and 39)."""

__version__ = "0.1.0"
