"""metalab-tui: the terminal app."""
