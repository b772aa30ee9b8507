package io.dosqlite.remote;

/** What every snapshot of one store reads and commits through; made once per store. */
record SnapshotParts(RemoteConfig config, PageCache cache, TreeHints hints, ClientStats stats, PageReads reads,
                     Commits commits, CommitChain chain, VersionCheck versions, LeasedPages leased) {
}
