/**
 * The fake board's screens, painted the way Foglet paints them: absolute cursor
 * moves, out of reading order, so only a terminal emulator sees the text whole.
 */

/** One piece of text at a 1-based row and column. */
export type Piece = [row: number, col: number, text: string];

/**
 * Layers are painted in order, each over the one before; within a layer pieces go
 * bottom-up and right-to-left, so the raw bytes never hold a line in reading order.
 */
export function paint(...layers: Piece[][]): string {
  const ordered = layers.flatMap((layer) => [...layer].sort((a, b) => b[0] - a[0] || b[1] - a[1]));
  return `\x1b[?25l\x1b[2J${ordered.map(([r, c, t]) => `\x1b[${r};${c}H${t}`).join('')}\x1b[H`;
}

/** The box around the screen, and (a layer above it) the title and the right-hand label. */
function frame(cols: number, rows: number, title: string, right: string): [Piece[], Piece[]] {
  const inner = cols - 2;
  const box: Piece[] = [[1, 1, `┌${'─'.repeat(inner)}┐`], [rows, 1, `└${'─'.repeat(inner)}┘`]];
  for (let r = 2; r < rows; r++) box.push([r, 1, '│'], [r, cols, '│']);
  const labels: Piece[] = [[1, 3, ` ${title} `]];
  if (right) labels.push([1, cols - right.length - 3, ` ${right} `]);
  return [box, labels];
}

export function homeScreen(app: string, handle: string, cols: number, rows: number, now = new Date()): string {
  const hhmm = `${String(now.getHours()).padStart(2, '0')}:${String(now.getMinutes()).padStart(2, '0')}`;
  const nav = ['● Boards                [B]', '✎ Compose               [C]', '◇ Account               [A]', '↯ Logout                [Q]'];
  return paint(...frame(cols, rows, `${app} ▸ Home`, `@${handle} | ${hhmm}`), [
    [2, 3, '┌─ Navigation ───────────────┐'],
    ...nav.map((n, i): Piece => [3 + i, 4, n]),
    [2, 34, '┌─ Oneliners ─┐'],
    [3, 35, '> @sysop  Welcome to Foglet'],
    [rows - 1, 3, 'Actions  H Hide oneliner  O Oneliner   Select  ↑/↓ Select'],
  ]);
}

export function loginScreen(app: string, cols: number, rows: number, guestMode = true): string {
  const mid = Math.floor(rows / 2);
  const hints = ['L Login', 'R Register', ...(guestMode ? ['G Guest'] : []), 'F Forgot password'].join('   ');
  return paint(...frame(cols, rows, `${app} ▸ Login`, ''), [
    [mid - 1, Math.floor(cols / 2) - 8, 'you are outside.'],
    [mid, Math.floor(cols / 2) - 9, 'knock or hang up.'],
    [rows - 1, 3, hints],
  ]);
}

export function loginForm(app: string, cols: number, rows: number, handle: string, passwordLength: number, error = ''): string {
  const mid = Math.floor(rows / 2);
  const pieces: Piece[] = [
    [mid - 3, 10, 'Back on the board'],
    [mid - 1, 10, `Handle:   ${handle}`],
    [mid, 10, `Password: ${'•'.repeat(passwordLength)}`],
    [rows - 1, 3, 'Tab Next field   Enter Sign in   Esc Back'],
  ];
  if (error) pieces.push([mid + 2, 10, error]);
  return paint(...frame(cols, rows, `${app} ▸ Login`, ''), pieces);
}

export function tooSmallScreen(): string {
  return '\x1b[2J\x1b[1;1HTerminal too small.\x1b[2;1HPlease resize.';
}
