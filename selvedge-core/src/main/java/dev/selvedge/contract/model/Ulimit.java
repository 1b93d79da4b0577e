package dev.selvedge.contract.model;

/** A ulimit: either a single value or soft/hard. */
public record Ulimit(Long single, Long soft, Long hard) {}
