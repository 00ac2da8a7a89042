import Testing

// Placeholder so the test target compiles before its first suite lands.
