/**
 * Restart loops, counted per source from boot and crash markers. Foglet logs several
 * boot markers per boot (endpoint, metrics listener, SSH daemon), so a boot is the
 * run of markers of different kinds; a kind seen again, or a crash marker, ends it.
 * A loop is at least `starts` boots within `window` where no run lasted longer than
 * `minUptime` (compare systemd's start limit and Kubernetes' CrashLoopBackOff). One
 * loop is one signal, however many lines it spans; it clears after `window` with no
 * further boot.
 */
export interface RestartMarkers {
  boot: Array<{ kind: string; pattern: string }>;
  crash: string[];
}

export interface RestartLoopSettings {
  starts: number;
  windowMs: number;
  minUptimeMs: number;
}

export type RestartTransition = { active: true; boots: number[] } | { active: false };

export class RestartDetector {
  private readonly bootPatterns: Array<{ kind: string; re: RegExp }>;
  private readonly crashPattern: RegExp | undefined;
  private readonly any: RegExp;
  private kindsThisBoot = new Set<string>();
  private boots: number[] = [];
  private active = false;
  /** Boots seen in all, for the metric. */
  bootsSeen = 0;

  constructor(markers: RestartMarkers, private readonly settings: RestartLoopSettings) {
    this.bootPatterns = markers.boot.map((b) => ({ kind: b.kind, re: new RegExp(b.pattern, 'u') }));
    this.crashPattern = markers.crash.length ? new RegExp(markers.crash.map((c) => `(?:${c})`).join('|'), 'u') : undefined;
    this.any = new RegExp([...markers.boot.map((b) => b.pattern), ...markers.crash].map((p) => `(?:${p})`).join('|') || '(?!)', 'u');
  }

  /** Looks at one event; returns a transition when it starts a loop, or ends one that had ended by its time. */
  observe(text: string, time: number): RestartTransition | undefined {
    if (!this.any.test(text)) return undefined;
    if (this.crashPattern?.test(text)) {
      this.kindsThisBoot.clear();
      return undefined;
    }
    const marker = this.bootPatterns.find((b) => b.re.test(text));
    if (!marker) return undefined;
    if (this.kindsThisBoot.size > 0 && !this.kindsThisBoot.has(marker.kind)) {
      this.kindsThisBoot.add(marker.kind);
      return undefined; // another marker of the same boot
    }
    this.kindsThisBoot = new Set([marker.kind]);
    // A boot a whole window after the loop's last one: that loop ended meanwhile (the monitor
    // may have been down). This boot cannot start a new loop on its own (starts >= 2).
    const ended = this.expire(time);
    this.bootsSeen++;
    this.boots.push(time);
    const from = time - this.settings.windowMs;
    while (this.boots.length > 0 && this.boots[0]! < from) this.boots.shift();
    if (ended || this.active || this.boots.length < this.settings.starts) return ended;
    for (let i = 1; i < this.boots.length; i++) {
      if (this.boots[i]! - this.boots[i - 1]! > this.settings.minUptimeMs) return undefined;
    }
    this.active = true;
    return { active: true, boots: [...this.boots] };
  }

  /** Clears the loop after a whole window with no boot. */
  expire(now: number): RestartTransition | undefined {
    const last = this.boots[this.boots.length - 1];
    if (this.active && (last === undefined || now - last >= this.settings.windowMs)) {
      this.active = false;
      return { active: false };
    }
    return undefined;
  }

  get isActive(): boolean { return this.active; }

  /** What a restart must keep: the boots in the window and whether a loop is on. */
  memory(): { boots: number[]; active: boolean } {
    return { boots: [...this.boots], active: this.active };
  }

  restore(saved: { boots?: unknown; active?: unknown } | undefined): void {
    if (!saved || !Array.isArray(saved.boots)) return;
    this.boots = saved.boots.filter((x): x is number => typeof x === 'number');
    this.active = saved.active === true;
  }
}
