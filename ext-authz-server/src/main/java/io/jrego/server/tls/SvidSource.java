package io.jrego.server.tls;

/**
 * Where the gRPC port's X.509 SVID comes from: files a SPIFFE helper keeps up to date ({@link
 * SvidFiles}), or the SPIFFE Workload API itself ({@link WorkloadApi}). Either way the same checks
 * decide whether a new SVID is served, and a refused one leaves the last good one in place.
 */
public sealed interface SvidSource permits SvidFiles, WorkloadApi {}
