'use strict';
// The Socket.IO peer: what most teams pick for rooms over one connection (npm socket.io 4.8). A TLS server with
// HTTP Basic on the handshake, an Origin allowlist and wss-hub's room rule; a client emits `join` with its room
// names (acknowledged once joined) and `send` {room, text}; every send goes to the room as a `message` event
// of the same shape as wss-hub's message frame (Socket.IO encodes a broadcast once for all its members).
// WebSocket transport only (no long-polling), no per-message deflate. BENCHMARK ONLY: one demo user, no rate
// limits, no history, no permissions.
//
// usage: node --expose-gc socketio-peer.js --port 9743 --cert cert.pem --key key.pem --user alice:demo-pass
const fs = require('fs');
const https = require('https');
const { Server } = require('socket.io');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const port = Number(args.port || 9743);
const expected = 'Basic ' + Buffer.from(args.user || 'alice:demo-pass').toString('base64');
const user = (args.user || 'alice:demo-pass').split(':')[0];
const allowedOrigin = `https://localhost:${port}`;
const ROOM = /^[a-z0-9][a-z0-9-]{0,31}$/;

const server = https.createServer({ cert: fs.readFileSync(args.cert), key: fs.readFileSync(args.key), minVersion: 'TLSv1.2' });
const io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  maxHttpBufferSize: 16 * 1024,
  serveClient: false,
  allowRequest: (req, callback) => {
    const origin = req.headers.origin;
    callback(null, req.headers.authorization === expected && (origin === undefined || origin === allowedOrigin));
  },
});
const seq = new Map(); // room -> last id

io.on('connection', (socket) => {
  socket.on('join', (rooms, ack) => {
    const ok = Array.isArray(rooms) ? rooms.filter((r) => typeof r === 'string' && ROOM.test(r)) : [];
    socket.join(ok);
    if (typeof ack === 'function') ack({ type: 'joined', rooms: ok, user });
  });
  socket.on('send', (frame) => {
    if (!frame || typeof frame.text !== 'string' || typeof frame.room !== 'string' || !socket.rooms.has(frame.room)) return;
    const id = (seq.get(frame.room) || 0) + 1;
    seq.set(frame.room, id);
    io.to(frame.room).emit('message', { type: 'message', room: frame.room, id, from: user, text: frame.text, ts: new Date().toISOString() });
  });
});

// Loopback bench control: memory after a full GC (the same figures as the ws peer's).
server.on('request', (req, res) => {
  if (req.url === '/bench/memory') {
    if (global.gc) global.gc();
    const m = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed + m.external + m.arrayBuffers, connections: io.engine.clientsCount }));
  }
});

server.listen(port, '127.0.0.1', () => console.log(`socket.io peer listening on https://localhost:${port}`));
process.on('SIGTERM', () => process.exit(0));
