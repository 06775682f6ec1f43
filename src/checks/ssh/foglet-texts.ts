/**
 * What Foglet writes when it turns a caller away (foglet.md §2): each exact text
 * maps to the failure reason an on-call engineer should see. Checked against the
 * rendered screen, in this order.
 */
import type { FailureReason } from '../types.js';

export const REJECTION_TEXTS: ReadonlyArray<{ text: string; reason: FailureReason; meaning: string }> = [
  { text: 'Rate limit exceeded. Try again later.', reason: 'rate_limited',
    meaning: 'Foglet\'s per-IP limit of channel starts (10 a minute by default; on Fly every caller shares the proxy address)' },
  { text: 'Connection limit reached. Try again later.', reason: 'connection_limit', meaning: 'Foglet is at its 500-connection cap' },
  { text: 'Connection refused.', reason: 'session_rejected', meaning: 'the IP access policy refused this address' },
  { text: 'Terminal too small.', reason: 'terminal_too_small', meaning: 'Foglet needs at least 64x22' },
  { text: 'That handle and password don\'t match.', reason: 'auth_failed', meaning: 'the in-TUI password login was refused' },
  { text: 'Your account is waiting for sysop approval.', reason: 'auth_failed', meaning: 'the probe account is not approved' },
  { text: 'Your account is suspended.', reason: 'auth_failed', meaning: 'the probe account is suspended' },
];

export function recognizeRejection(screen: string): (typeof REJECTION_TEXTS)[number] | undefined {
  return REJECTION_TEXTS.find((r) => screen.includes(r.text));
}
