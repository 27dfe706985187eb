// A small local stand-in for an in-house MT endpoint, for trying the plugin and
// for CI: POST {q:[…], source, target} → {translations:[…]}. It "translates"
// by tagging each text with the target and upper-casing text outside tags.
import { createServer } from 'node:http';

export function startFakeMt(port = 0) {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      try {
        const { q, target } = JSON.parse(raw);
        const translations = q.map((t) => (t.trim() === '' ? t : `[${target}] ` + t.split(/(<[^>]*>|&[a-z]+;)/).map((p, i) => (i % 2 ? p : p.toUpperCase())).join('')));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ translations }));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"bad request"}');
      }
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/translate`, close: () => new Promise((r) => server.close(r)) })));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await startFakeMt(Number(process.argv[2] ?? 8089));
  console.log(`fake MT endpoint at ${url}`);
}
