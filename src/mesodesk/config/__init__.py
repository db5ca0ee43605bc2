"""Reading mesodesk's configuration from the environment (used only by `mesodesk.settings`)."""
