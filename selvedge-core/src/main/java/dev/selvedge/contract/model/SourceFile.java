package dev.selvedge.contract.model;

/**
 * An input the contract was read from, with the SHA-256 of its bytes (for evidence); null for env
 * files, whose plain hash would let anyone holding the evidence guess a weak secret offline.
 */
public record SourceFile(String path, String role, String sha256) {}
