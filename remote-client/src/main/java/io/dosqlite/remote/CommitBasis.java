package io.dosqlite.remote;

import java.util.List;

/**
 * What a commit was built on besides its base version (protocol v1.1): the pages its connection
 * read, so the server may accept it on a newer version none of them changed in, and the earlier
 * commits of this JVM it was built on before they were acknowledged (a pipelined chain).
 *
 * @param reads pages as ranges ({@code 1-5,9}); null: the base must be the current version
 * @param after idempotency keys of the commits it was built on, oldest first
 */
record CommitBasis(String reads, List<String> after) {
    static final CommitBasis STRICT = new CommitBasis(null, List.of());
}
