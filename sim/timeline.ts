/**
 * Scheduled simulation events in time order: host changes (applied before anything else runs at
 * that instant) and guest actions (started as concurrent tasks, like API requests).
 */

/** What happens at an instant. `host` events are awaited in order; `action` events run as tasks. */
export interface TimelineEvent {
  at: number;
  /** Orders events of one instant: lower first. */
  rank: number;
  kind: 'host' | 'action';
  run: () => void | Promise<void>;
}

interface Entry extends TimelineEvent {
  seq: number;
}

function before(a: Entry, b: Entry): boolean {
  return a.at !== b.at ? a.at < b.at : a.rank !== b.rank ? a.rank < b.rank : a.seq < b.seq;
}

/** A binary min-heap of events by (at, rank, insertion order). */
export class Timeline {
  private heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  add(event: TimelineEvent): void {
    const heap = this.heap;
    heap.push({ ...event, seq: this.seq++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** When the earliest event is due, or null. */
  nextAt(): number | null {
    return this.heap[0]?.at ?? null;
  }

  /** Removes and returns the earliest event if it is due at or before `now`. */
  takeDue(now: number): TimelineEvent | null {
    const heap = this.heap;
    const top = heap[0];
    if (!top || top.at > now) return null;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}
