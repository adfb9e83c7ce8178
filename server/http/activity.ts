import type { RequestListener } from 'node:http';

/**
 * When this process last served a request, for background workers that give way to
 * requests (store/outbox-worker.ts `lastActivity`). A request still being answered
 * counts as now: a transaction Bundle of thousands of entries runs for seconds, and a
 * worker that judged by start times alone would take the process for idle meanwhile.
 */
export class RequestActivity {
  private inFlight = 0;
  private lastEnded = 0;

  /** `listener`, with each of its requests counted from arrival until its response closes (sent or aborted). */
  track(listener: RequestListener): RequestListener {
    return (req, res) => {
      this.inFlight += 1;
      res.once('close', () => {
        this.inFlight -= 1;
        this.lastEnded = Date.now();
      });
      listener(req, res);
    };
  }

  /** Milliseconds since the epoch: now while a request is in flight, else when the last one ended (0: none yet). */
  lastActivity(): number {
    return this.inFlight > 0 ? Date.now() : this.lastEnded;
  }
}
