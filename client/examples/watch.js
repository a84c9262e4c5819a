// A Node client of wss-hub's /ws in a few lines: subscribes to the channels named on the command line and prints
// every status change, message, presence change and quote as one JSON line. Also a tool for the tests.
//   WSSHUB_USER=alice WSSHUB_PASSWORD=demo-pass WSSHUB_CA=server-ca.pem \
//     node examples/watch.js wss://localhost:9443/ws chat:lobby user:alice market:ACME
import fs from 'node:fs';
import WebSocket from 'ws';
import {Hub} from '../wss-hub.js';

const [url, ...channels] = process.argv.slice(2);
if (!url || !channels.length) {
  console.error('usage: node examples/watch.js wss://host:port/ws channel...');
  process.exit(2);
}
const user = process.env.WSSHUB_USER || 'alice';
const password = process.env.WSSHUB_PASSWORD || 'demo-pass';
const hub = new Hub(url, {
  WebSocket,
  wsOptions: {
    headers: {Authorization: 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')},
    ca: process.env.WSSHUB_CA ? fs.readFileSync(process.env.WSSHUB_CA) : undefined,
  },
});
const print = (kind, value) => console.log(JSON.stringify({kind, ...value}));
hub.on('status', (s) => {
  print('status', s);
  if (s.state === 'closed') process.exit(0);
});
for (const channel of channels) {
  hub.subscribe(channel, {
    onSubscribed: (s) => print('subscribed', {channel: s.channel, recovered: s.recovered, lastId: s.lastId}),
    onMessage: (m) => print('message', m),
    onPresence: (p) => print('presence', p),
    onQuote: (q) => print('quote', q),
    onError: (e) => print('error', e),
  });
}
process.on('SIGTERM', () => { hub.close(); process.exit(0); });
