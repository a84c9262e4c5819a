// A probe, not a benchmark (docs/benchmarks.md, "Closing slow readers"): N sockets that stop reading while their
// room is flooded, so the server closes them as slow readers (transport.queue.max.*). Every second it prints the
// server's thread count, how many threads sleep in the SSL channel's closing handshake (Liberty's
// timeoutValueInSSLClosingHandshake, 30 s by default), a healthy client's round trip in another room, and the
// server's sockets by TCP state. Against a running server started with the bench's limits and a small queue, e.g.
//   TRANSPORT_RATE_PER_SECOND=100000 TRANSPORT_RATE_BURST=100000 TRANSPORT_FLOOD_REJECTIONS=100000 \
//   TRANSPORT_MAX_CONNECTIONS_PER_USER=100000 CHAT_QUOTA_BYTES_PER_HOUR=1000000000000 \
//   TRANSPORT_QUEUE_MAX_BYTES=262144 target/liberty/wlp/bin/server run defaultServer
//   PID=$(pgrep -f -n 'ws-server.jar defaultServer') N=40 node bench/slow-close-probe.js
const WebSocket = require('ws');
const { execFileSync } = require('child_process');
const fs = require('fs');

const port = Number(process.env.PORT || 9443);
const pid = process.env.PID;
const n = Number(process.env.N || 40);
const opts = {
  headers: { Authorization: 'Basic ' + Buffer.from('alice:demo-pass').toString('base64'), Origin: `https://localhost:${port}` },
  rejectUnauthorized: false, perMessageDeflate: false, // the dev keystore's certificate: a probe on loopback only
};
const open = (room) => new Promise((resolve, reject) => {
  const ws = new WebSocket(`wss://localhost:${port}/ws/chat/${room}`, opts);
  ws.once('open', () => resolve(ws));
  ws.once('error', reject);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sh = (cmd) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim();

(async () => {
  const slow = [];
  for (let i = 0; i < n; i++) {
    const ws = await open('flood');
    ws._socket.pause(); // stops reading: the server's writes to it back up
    slow.push(ws);
  }
  const publisher = await open('flood');
  publisher.on('message', () => {});
  publisher.on('close', (code) => console.log(`publisher closed ${code}`));
  const healthy = await open('calm');
  let sentAt = 0;
  let rtts = [];
  healthy.on('message', (d) => { if (String(d).includes('"ping-')) rtts.push(Date.now() - sentAt); });
  const text = 'x'.repeat(1900);
  let flooding = true;
  (async () => {
    while (flooding) {
      for (let k = 0; k < 20 && publisher.readyState === WebSocket.OPEN; k++) publisher.send(`{"type":"send","text":"${text}"}`);
      await sleep(10);
    }
  })();
  const t0 = Date.now();
  for (let s = 0; s < 45; s++) {
    sentAt = Date.now();
    healthy.send(`{"type":"send","text":"ping-${s}"}`);
    await sleep(1000);
    const stacks = execFileSync('jstack', [pid], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n\n');
    const closing = stacks.filter((t) => t.includes('flushCloseDown')).length;
    const threads = fs.readdirSync(`/proc/${pid}/task`).length;
    const states = sh(`ss -tn state all '( sport = :${port} )' | awk 'NR>1{print $1}' | sort | uniq -c | tr -s ' \\n' ' '`);
    console.log(`${Math.round((Date.now() - t0) / 1000)} s: threads ${threads}, in closing handshake ${closing},` +
      ` healthy round trip ${rtts.length ? rtts.join(',') + ' ms' : 'none'}, server sockets ${states}`);
    rtts = [];
    if (s === 15) flooding = false;
  }
  process.exit(0);
})();
