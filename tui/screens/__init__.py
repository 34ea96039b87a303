"""The app's screens: the live dashboard, its dialogs, and the results browser."""
