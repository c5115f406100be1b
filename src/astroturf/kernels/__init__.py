"""Vectorised kernels shared by the signals and the null copies (sorting, sweeping, pairing,
MinHash). Kernels know nothing about signals, schemas or statistics: integer arrays in and out."""
