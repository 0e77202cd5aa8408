"""Compiled reads: a validated read operation over declared types becomes one SQL statement that
returns the response JSON (see planner.py); the executor serves everything else."""
