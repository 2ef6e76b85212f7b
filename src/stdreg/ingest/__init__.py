"""Reading register and catalog files, validating their rows, and loading them into the register."""
