/**
 * A source's contexts: states that the lines around an event tell, and that decide what
 * the event means. `migrating` holds from a line that shows migrations running (`== Running
 * 2024... forward`, a stack through Ecto.Migrator, the release's migrate task) until one that
 * shows them over (`== Migrated ... in`, `Migrations already up`, the endpoint serving), or
 * for `lasts` at most: a Postgrex error then is a failed migration, at any other time a
 * database error. The event that enters a context is inside it (its own stack trace may be
 * what shows the migration); the one that leaves it is too.
 */
export interface ContextDef {
  name: string;
  enter: string;
  leave: string;
  lasts: { ms: number };
  /** A failure of this category ends it too: the run it describes is over (a failed migration ends the migrating). */
  ends_with?: string;
}

export class ContextTracker {
  private readonly defs: Array<{ name: string; enter: RegExp; leave: RegExp; lastsMs: number; endsWith?: string }>;
  private readonly until = new Map<string, number>();
  private readonly none = new Set<string>();

  constructor(defs: ContextDef[]) {
    this.defs = defs.map((d) => ({ name: d.name, enter: new RegExp(d.enter, 'u'), leave: new RegExp(d.leave, 'u'), lastsMs: d.lasts.ms, endsWith: d.ends_with }));
  }

  /** The contexts an event at `time` is in, counting the event itself as entering one. */
  enter(text: string, time: number): ReadonlySet<string> {
    if (this.defs.length === 0) return this.none;
    const active = new Set<string>();
    for (const d of this.defs) {
      if (d.enter.test(text)) this.until.set(d.name, time + d.lastsMs);
      if ((this.until.get(d.name) ?? 0) > time) active.add(d.name);
    }
    return active;
  }

  /** After the event was matched (`categories`: what it matched): one that shows a context over ends it. */
  leave(text: string, categories: readonly string[] = []): void {
    for (const d of this.defs) {
      if (this.until.has(d.name) && ((d.endsWith && categories.includes(d.endsWith)) || d.leave.test(text))) this.until.delete(d.name);
    }
  }
}

/** Whether a rule's `context` (`migrating`, or `!migrating`) holds among the active contexts. */
export function contextHolds(context: string | undefined, active: ReadonlySet<string>): boolean {
  if (!context) return true;
  return context.startsWith('!') ? !active.has(context.slice(1)) : active.has(context);
}
