package dev.selvedge.contract.model;

/** A service's use of a top-level secret or config. */
public record FileReference(String source, String target, String uid, String gid, Integer mode) {}
