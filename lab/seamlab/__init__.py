"""seam-lab: network-namespace labs of seam's use cases (see docs/lab.md)."""
