"""The shared kernel: what every layer may import (errors, API conventions). Imports no app."""
