/**
 * A source's contexts: states that the lines around an event tell, and that decide what
 * the event means. `migrating` holds from a line that shows migrations running (`== Running
 * 2024... forward`, a stack through Ecto.Migrator, the release's migrate task) until one that
 * shows them over (`== Migrated ... in`, `Migrations already up`, the endpoint serving), or
 * for `lasts` at most: a Postgrex error then is a failed migration, at any other time a
 * database error. The event that enters a context is inside it (its own stack trace may be
 * what shows the migration); the one that leaves it is too. Contexts are kept per Fly machine
 * where lines name one: the release command's machine migrates, the old machines still serving
 * in the same log stream do not.
 */
export interface ContextDef {
  name: string;
  enter: string;
  leave: string;
  lasts: { ms: number };
  /** A failure of this category ends it too: the run it describes is over (a failed migration ends the migrating). */
  ends_with?: string;
}

/** Contexts held at once (per machine): more means a stream of very many machines, and the oldest are forgotten. */
const MAX_TRACKED = 1024;

export class ContextTracker {
  private readonly defs: Array<{ name: string; enter: RegExp; leave: RegExp; lastsMs: number; endsWith?: string }>;
  private readonly until = new Map<string, number>();
  private readonly none = new Set<string>();

  constructor(defs: ContextDef[]) {
    this.defs = defs.map((d) => ({ name: d.name, enter: new RegExp(d.enter, 'u'), leave: new RegExp(d.leave, 'u'), lastsMs: d.lasts.ms, endsWith: d.ends_with }));
  }

  /** The contexts an event at `time` (of a machine, when known) is in, counting the event itself as entering one. */
  enter(text: string, time: number, machine = ''): ReadonlySet<string> {
    let active: Set<string> | undefined; // made only when a context holds: most events are in none
    for (const d of this.defs) {
      if (d.enter.test(text)) {
        const key = `${d.name}@${machine}`;
        if (this.until.size >= MAX_TRACKED && !this.until.has(key)) this.until.clear(); // bounded: machine ids come and go
        this.until.set(key, time + d.lastsMs);
      }
      if (this.until.size > 0 && (this.until.get(`${d.name}@${machine}`) ?? 0) > time) (active ??= new Set()).add(d.name);
    }
    return active ?? this.none;
  }

  /** Some context may hold (one was entered and has not been left; it may have lasted its time since). */
  get mayHold(): boolean { return this.until.size > 0; }

  /** After the event was matched (`categories`: what it matched): one that shows a context over ends it. */
  leave(text: string, categories: readonly string[] = [], machine = ''): void {
    if (this.until.size === 0) return;
    for (const d of this.defs) {
      const key = `${d.name}@${machine}`;
      if (this.until.has(key) && ((d.endsWith && categories.includes(d.endsWith)) || d.leave.test(text))) this.until.delete(key);
    }
  }
}

/** Whether a rule's `context` (`migrating`, or `!migrating`) holds among the active contexts. */
export function contextHolds(context: string | undefined, active: ReadonlySet<string>): boolean {
  if (!context) return true;
  return context.startsWith('!') ? !active.has(context.slice(1)) : active.has(context);
}
