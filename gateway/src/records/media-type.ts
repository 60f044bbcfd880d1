// The upload allow-list, decided on the file's first bytes (magic numbers), never on the name or
// the declared type alone: a program renamed to .pdf is refused.
export interface MediaRule {
  mediaType: string;
  /** Bytes needed before the rule can decide. */
  needs: number;
  matches(head: Buffer): boolean;
}

const startsWith = (head: Buffer, bytes: number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((b, i) => head[at + i] === b);

export const ALLOWED_MEDIA: readonly MediaRule[] = [
  {
    mediaType: 'application/pdf',
    needs: 5,
    matches: (h) => startsWith(h, [0x25, 0x50, 0x44, 0x46, 0x2d]),
  }, // %PDF-
  {
    mediaType: 'image/png',
    needs: 8,
    matches: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  { mediaType: 'image/jpeg', needs: 3, matches: (h) => startsWith(h, [0xff, 0xd8, 0xff]) },
  // DICOM Part 10: 128-byte preamble, then "DICM".
  {
    mediaType: 'application/dicom',
    needs: 132,
    matches: (h) => startsWith(h, [0x44, 0x49, 0x43, 0x4d], 128),
  },
];

/** Bytes to collect before sniffing (the longest rule). */
export const SNIFF_BYTES = Math.max(...ALLOWED_MEDIA.map((r) => r.needs));

/** The allowed media type of a file starting with `head`, or undefined. */
export function sniffMediaType(head: Buffer): string | undefined {
  return ALLOWED_MEDIA.find((r) => head.length >= r.needs && r.matches(head))?.mediaType;
}

/** Whether a declared part type is consistent with the detected one (generic types pass). */
export function declaredTypeAgrees(declared: string | undefined, detected: string): boolean {
  const d = (declared ?? '').split(';')[0].trim().toLowerCase();
  if (!d || d === 'application/octet-stream') return true;
  if (d === detected) return true;
  return detected === 'image/jpeg' && d === 'image/jpg';
}
