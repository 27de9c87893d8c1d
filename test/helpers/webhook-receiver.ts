// A webhook receiver on 127.0.0.1 for tests: it checks each delivery's X-Signature against the
// secret it holds, answers as the test tells it (an outage is a status it chooses), and keeps
// every request it saw, duplicates included, in arrival order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../lib/webhook-signing.js';

export interface Received {
  eventId: number;
  body: Record<string, any>;
  signature: string;
  /** The signature verifies under the receiver's secret at the time it arrived. */
  verified: boolean;
  /** The status the receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order. */
  requests: Received[];
  /** The events acknowledged (2xx), in arrival order. */
  acknowledged(): Received[];
  /** Signatures are checked with this secret (a delivery that does not verify is answered 401). */
  secret: string;
  /** How to answer the next verified request (it may take its time); default 200. */
  respond: (event: Record<string, any>) => number | Promise<number>;
  /** Requests being answered now. */
  inFlight: number;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const receiver = {
    requests: [] as Received[],
    secret: '',
    respond: (() => 200) as Receiver['respond'],
    inFlight: 0,
    acknowledged() {
      return this.requests.filter((r) => r.status >= 200 && r.status < 300);
    },
  } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    receiver.inFlight++;
    req.on('end', async () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['x-signature'] ?? '');
      const verified = verifyWebhook(receiver.secret, text, signature);
      let body: Record<string, any> = {};
      try {
        body = JSON.parse(text);
      } catch {
        // recorded as an empty body; the test sees it
      }
      const status = verified ? await receiver.respond(body) : 401;
      receiver.inFlight--;
      // Counted as the sender learns of it: an answer on a connection the sender dropped is still seen here.
      receiver.requests.push({ eventId: Number(req.headers['x-event-id']), body, signature, verified, status });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(String(status));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}
