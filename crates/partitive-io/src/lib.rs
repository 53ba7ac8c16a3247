//! Readers and writers for partitive (placeholder: being built).
