// Placeholder so the target compiles before its first file lands.
