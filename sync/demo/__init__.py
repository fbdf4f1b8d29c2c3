"""Demo support: synthetic customer populations with ground truth, and the sandbox world."""
