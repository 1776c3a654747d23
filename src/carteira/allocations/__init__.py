"""Client allocations: holdings, valuation and performance."""
