// Intentionally empty: the wrappers are static inline functions in the header.
