"""Demo and scale data: `seed_demo` (the fictional people every role starts with) and
`seed_scale` (national scale ×10 for benchmarks), written in bulk the way the services would.

Installed only for a first run (DEBUG), the test suite and benchmarks (DEMO_DATA); production
never loads it, and no other app may import it (import contract). It may import any app.
"""
