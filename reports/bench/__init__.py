"""Scale benchmark: a synthetic province of plans, tasks and quarters of progress, and
a harness that times the pages and jobs the office, agencies and leaders rely on."""
