// Compressed pages on the wire (docs/protocol.md, "Compression"): gzip, negotiated per request.
// Answers with page frames are gzipped when the request says Accept-Encoding: gzip (the runtime
// encodes a body whose Response names Content-Encoding); request bodies may be gzipped once the
// client saw this server's `Accept-Encoding: gzip` answer header (RFC 7694). Checksums are over
// the uncompressed pages, so they still catch corruption before compression and after inflation.

/** Smaller answers are sent as they are: a gzip header and a stream setup would cost more than they save. */
export const COMPRESS_MIN_BYTES = 1024;

/** The codings this server accepts on request bodies, as sent in its Accept-Encoding answer header. */
export const ACCEPTED_ENCODINGS = "gzip";

/** Whether the client accepts a gzipped answer (a q=0 refuses it). */
export function acceptsGzip(request: Request): boolean {
  const h = request.headers.get("Accept-Encoding");
  if (!h) return false;
  for (const part of h.toLowerCase().split(",")) {
    const [coding, ...params] = part.trim().split(";");
    if (coding.trim() !== "gzip" && coding.trim() !== "*") continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    return !q || Number(q.slice(2)) > 0;
  }
  return false;
}

/** Marks an answer of `length` body bytes for gzip when the client accepts it and it pays. */
export function compressIfAccepted(request: Request, res: Response, length: number): Response {
  if (length >= COMPRESS_MIN_BYTES && acceptsGzip(request)) res.headers.set("Content-Encoding", "gzip");
  return res;
}

export class InflateTooLarge extends Error {}

/**
 * Inflates a gzip body, stopping as soon as it passes `limit` bytes (a small body must not expand
 * into a huge one in the object's 128 MB). Throws InflateTooLarge, or any other error for a body
 * that is not valid gzip.
 */
export async function gunzip(raw: Uint8Array, limit: number): Promise<Uint8Array> {
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  writer.write(raw).catch(() => {});
  writer.close().catch(() => {});
  const reader = ds.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => {});
      throw new InflateTooLarge();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
