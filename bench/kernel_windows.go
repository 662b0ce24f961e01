package main

// kernel names the system.
func kernel() string { return "Windows" }
