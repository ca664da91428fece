/**
 * The `[]byte` fields of the core API (a Secret's data, a ConfigMap's binaryData) travel in JSON as standard
 * base64 with padding, which the real API server decodes with Go's encoding/base64 StdEncoding. This reads such a
 * text the same way: its decoded length, or Go's error ("illegal base64 data at input byte N") with the offset Go
 * reports. Go skips '\r' and '\n' anywhere in the input.
 */
export type Base64Read = { readonly ok: true; readonly bytes: number } | { readonly ok: false; readonly error: string };

const ALPHABET = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') ALPHABET[c.charCodeAt(0)] = 1;

const illegal = (at: number): Base64Read => ({ ok: false, error: `illegal base64 data at input byte ${at}` });

export function readBase64(text: string): Base64Read {
  let bytes = 0;
  // Characters of the current 4-character quantum seen so far.
  let inQuantum = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) continue;
    if (c === 61) {
      // '=' pads only the third or fourth place of the last quantum: "xx==" or "xxx=", and nothing may follow.
      if (inQuantum < 2) return illegal(i);
      if (inQuantum === 2) {
        let j = i + 1;
        while (j < text.length && (text.charCodeAt(j) === 10 || text.charCodeAt(j) === 13)) j++;
        if (j >= text.length) return illegal(text.length);
        if (text.charCodeAt(j) !== 61) return illegal(j - 1);
        i = j;
      }
      for (let j = i + 1; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d !== 10 && d !== 13) return illegal(j);
      }
      return { ok: true, bytes: bytes + (inQuantum - 1) };
    }
    if (c >= 128 || ALPHABET[c] !== 1) return illegal(i);
    inQuantum++;
    if (inQuantum === 4) {
      bytes += 3;
      inQuantum = 0;
    }
  }
  // An unpadded last quantum: Go reports the input length less the characters of that quantum.
  if (inQuantum !== 0) return illegal(text.length - inQuantum);
  return { ok: true, bytes };
}
