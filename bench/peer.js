'use strict';
// The reference peer: what a team would write instead of wss-hub with Node and the `ws` package. A TLS
// broadcast server speaking the same protocol subset the benchmark uses: HTTP Basic on the handshake, an Origin
// allowlist, /ws/chat/{room} with wss-hub's room rule, a welcome frame, and every `send` relayed to every
// connection of the room as a `message` frame of the same JSON shape as wss-hub's (encoded once per message).
// BENCHMARK ONLY: a single demo user, no rate limits, no history, no reconnect support.
//
// usage: node --expose-gc peer.js --port 9643 --cert cert.pem --key key.pem --user alice:demo-pass
const fs = require('fs');
const https = require('https');
const { WebSocketServer, WebSocket } = require('ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const port = Number(args.port || 9643);
const expected = 'Basic ' + Buffer.from(args.user || 'alice:demo-pass').toString('base64');
const user = (args.user || 'alice:demo-pass').split(':')[0];
const allowedOrigin = `https://localhost:${port}`;
const ROOM = /^\/ws\/chat\/([a-z0-9][a-z0-9-]{0,31})$/;

const server = https.createServer({
  cert: fs.readFileSync(args.cert),
  key: fs.readFileSync(args.key),
  minVersion: 'TLSv1.2',
}, (req, res) => {
  // Loopback bench control: memory after a full GC, for the idle-capacity scenario.
  if (req.url === '/bench/memory') {
    if (global.gc) global.gc();
    const m = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed + m.external + m.arrayBuffers, connections: wss.clients.size }));
    return;
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024, perMessageDeflate: false });
const rooms = new Map(); // name -> { seq, members: Set<WebSocket> }

server.on('upgrade', (req, socket, head) => {
  const refuse = (status) => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  if (req.headers.authorization !== expected) return refuse('401 Unauthorized');
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== allowedOrigin) return refuse('403 Forbidden');
  const m = ROOM.exec(req.url.split('?')[0]);
  if (!m) return refuse('404 Not Found');
  wss.handleUpgrade(req, socket, head, (ws) => join(ws, m[1]));
});

function join(ws, name) {
  let room = rooms.get(name);
  if (!room) rooms.set(name, room = { seq: 0, members: new Set() });
  room.members.add(ws);
  ws.send(JSON.stringify({ type: 'welcome', room: name, user, members: [user], history: [], lastId: room.seq, epoch: 'peer' }));
  ws.on('message', (data, isBinary) => {
    let frame;
    try {
      frame = isBinary ? null : JSON.parse(data);
    } catch (e) {
      frame = null;
    }
    if (!frame || frame.type !== 'send' || typeof frame.text !== 'string') {
      ws.send('{"type":"error","code":"bad_json","message":"not a send frame"}');
      return;
    }
    const out = { type: 'message', room: name, id: ++room.seq, from: user, text: frame.text, ts: new Date().toISOString() };
    if (typeof frame.clientId === 'string') out.clientId = frame.clientId;
    const encoded = Buffer.from(JSON.stringify(out)); // once per message, like wss-hub
    for (const member of room.members) {
      if (member.readyState === WebSocket.OPEN) member.send(encoded, { binary: false });
    }
  });
  ws.on('close', () => {
    room.members.delete(ws);
  });
  ws.on('error', () => {});
}

server.listen(port, '127.0.0.1', () => console.log(`peer listening on https://localhost:${port}`));
process.on('SIGTERM', () => process.exit(0));
