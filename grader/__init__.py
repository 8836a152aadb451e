"""Grades LR range-test / LR-schedule assignments by re-running the submitted configs."""
