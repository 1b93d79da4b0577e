package dev.selvedge.contract.model;

import dev.selvedge.contract.yaml.Mark;

/**
 * A {@code ${VAR}} reference found while interpolating the contract, with where it was written.
 * {@code hasDefault} is true for the {@code :-} and {@code -} forms, {@code required} for {@code
 * :?} and {@code ?}.
 */
public record VariableUse(
    String name, boolean hasDefault, boolean required, String path, Mark mark) {}
