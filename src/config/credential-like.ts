/**
 * Whether the word after an auth scheme is a credential: a leaf, so that the log pipeline's
 * evidence redaction needs none of the config's schemas (redact.ts needs them).
 */

/** A credential after an auth scheme has digits, base64's `+/=`, or mixed case past its first letter: "rejected" is a word. */
export function credentialLike(s: string): boolean {
  return /[0-9+/=]/.test(s) || (/[a-z]/.test(s) && /[A-Z]/.test(s.slice(1)));
}
