// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78, same as java.util.zip.CRC32C.
// Slicing-by-8 for speed: commits verify up to 32 MiB of frames per request.

const T: Int32Array[] = [];
(() => {
  for (let k = 0; k < 8; k++) T.push(new Int32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    T[0][n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = T[0][n];
    for (let k = 1; k < 8; k++) {
      c = T[0][c & 0xff] ^ (c >>> 8);
      T[k][n] = c;
    }
  }
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = T;

/** Continue a CRC-32C. `crc` is the finalised value of the previous part (0 to start). */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c =
      T7[c & 0xff] ^
      T6[(c >>> 8) & 0xff] ^
      T5[(c >>> 16) & 0xff] ^
      T4[c >>> 24] ^
      T3[buf[i + 4]] ^
      T2[buf[i + 5]] ^
      T1[buf[i + 6]] ^
      T0[buf[i + 7]];
  }
  for (; i < end; i++) c = T0[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const pgnoBuf = new Uint8Array(4);
/** CRC of a page frame: CRC-32C over the 4 big-endian bytes of pgno, then the page data. */
export function pageCrc(pgno: number, data: Uint8Array, start = 0, end = data.length): number {
  pgnoBuf[0] = pgno >>> 24;
  pgnoBuf[1] = (pgno >>> 16) & 0xff;
  pgnoBuf[2] = (pgno >>> 8) & 0xff;
  pgnoBuf[3] = pgno & 0xff;
  return crc32cUpdate(crc32cUpdate(0, pgnoBuf), data, start, end);
}
