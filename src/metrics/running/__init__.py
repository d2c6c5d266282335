"""Running: the command line, report jobs, kernels and worker pools that drive the other layers."""
