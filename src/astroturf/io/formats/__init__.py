"""Format modules. Importing this package registers every format with the registry."""
