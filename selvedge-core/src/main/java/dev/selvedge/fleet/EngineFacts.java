package dev.selvedge.fleet;

/**
 * What a node's engine says about itself.
 *
 * @param daemonId the engine's own ID (the node's identity in the deployment history)
 * @param rootDiskBytes the size of the Docker root's file system, when the engine reports it (else
 *     null)
 */
public record EngineFacts(
    String daemonId,
    String version,
    String apiVersion,
    String os,
    String arch,
    int cpus,
    long memoryBytes,
    String rootDir,
    Long rootDiskBytes) {}
