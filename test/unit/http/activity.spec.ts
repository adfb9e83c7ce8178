import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestActivity } from '../../../server/http/activity.js';

/** Background workers give way while a request is being answered, not only when one arrives. */
describe('RequestActivity: a request in flight counts as activity until its response closes', () => {
  let server: Server;
  let url: string;
  const activity = new RequestActivity();
  let release: () => void = () => undefined;

  before(async () => {
    server = createServer(
      activity.track((_req, res) => {
        // Answers only when the test says so: a long request.
        release = () => res.end('done');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('is 0 before the first request, now during a long one, and the end time after it', async () => {
    expect(activity.lastActivity()).to.equal(0);
    const answered = fetch(url).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 150));
    // Arrived 150 ms ago and still running: counts as now.
    expect(Date.now() - activity.lastActivity()).to.be.lessThan(20);
    const beforeEnd = Date.now();
    release();
    expect(await answered).to.equal('done');
    await new Promise((r) => setTimeout(r, 150));
    const last = activity.lastActivity();
    expect(last).to.be.at.least(beforeEnd);
    expect(Date.now() - last).to.be.at.least(140);
  });
});
