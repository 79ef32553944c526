// Strict standard base64 (the variant minisign writes): the text must re-encode to itself, so no
// whitespace, no missing padding, no alternative alphabets slip through.

/** The bytes of `text`, or undefined unless it is canonical base64 of exactly `length` bytes. */
export function decodeBase64Exactly(text: string, length: number): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length || bytes.toString('base64') !== text) return undefined;
  return bytes;
}
