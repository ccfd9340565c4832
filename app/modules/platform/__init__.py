"""The platform's own settings: its name, support address, default plan, trial and dunning grace."""
