package dev.selvedge.contract.model;

/** An input the contract was read from, with the SHA-256 of its bytes (for evidence). */
public record SourceFile(String path, String role, String sha256) {}
